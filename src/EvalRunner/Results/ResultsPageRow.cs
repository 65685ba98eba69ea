namespace EvalRunner.Results;

/// <summary>A row of a <see cref="ResultsPage"/> with the line it was read from.</summary>
internal readonly record struct ResultsPageRow(ResultsLine Line, Row Row);
