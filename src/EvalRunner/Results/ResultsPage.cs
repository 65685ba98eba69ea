namespace EvalRunner.Results;

/// <summary>A page of the rows of a <c>results.jsonl</c> that match a <see cref="RowFilter"/>, read by <see cref="ResultsIndex.ReadPage"/>.</summary>
internal sealed record ResultsPage
{
    /// <summary>The whole rows in the file, matching or not.</summary>
    public required int Total { get; init; }

    /// <summary>The rows that match the filter, in all.</summary>
    public required int Matched { get; init; }

    /// <summary>The place of the page's first row among the matching rows, from 0.</summary>
    public required int Offset { get; init; }

    /// <summary>The matching rows from <see cref="Offset"/> on, in file order.</summary>
    public required IReadOnlyList<ResultsPageRow> Rows { get; init; }

    /// <summary>Every line of the file that is not a whole row, whatever the filter.</summary>
    public required IReadOnlyList<ResultsLine> Damaged { get; init; }
}
