namespace EvalRunner.Results;

/// <summary>A numeric score of one datapoint that moved by more than <c>baseline.tolerance</c>.</summary>
internal sealed record ScoreChange
{
    /// <summary>The datapoint's id.</summary>
    public required string DatapointId { get; init; }

    /// <summary>The model config.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>The column, <c>evaluator.column</c>.</summary>
    public required string Column { get; init; }

    /// <summary>The baseline's value (the mean of its trials).</summary>
    public double Base { get; init; }

    /// <summary>The head's value (the mean of its trials).</summary>
    public double Head { get; init; }
}
