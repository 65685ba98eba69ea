namespace EvalRunner.Comparisons;

/// <summary>What a comparison keeps of one row (one trial of a datapoint): its outcome and the numbers it reads.</summary>
internal sealed record RowFacts
{
    /// <summary>The row passed.</summary>
    public required bool Passed { get; init; }

    /// <summary>The row is an error (no value counts).</summary>
    public required bool Error { get; init; }

    /// <summary>The values of the columns the comparison reads, by <c>evaluator.column</c>; null where the row has none.</summary>
    public required Dictionary<string, double?> Values { get; init; }
}
