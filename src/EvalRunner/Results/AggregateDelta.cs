namespace EvalRunner.Results;

/// <summary>One aggregate of one model config in both runs.</summary>
internal sealed record AggregateDelta
{
    /// <summary>The aggregate: <c>rate(outcome.passed)</c>.</summary>
    public required string Aggregate { get; init; }

    /// <summary>The model config.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>The baseline's value over all its rows; null when it has none.</summary>
    public double? Base { get; init; }

    /// <summary>The head's value over all its rows; null when it has none.</summary>
    public double? Head { get; init; }

    /// <summary>Head − base; null when either is missing.</summary>
    public double? Delta { get; init; }
}
