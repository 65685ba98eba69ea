namespace EvalRunner.Runs;

/// <summary>One aggregate threshold decided for one model config.</summary>
public sealed record AggregateResult
{
    /// <summary>The rule as written.</summary>
    public required string Rule { get; init; }

    /// <summary>The model config it was computed over.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>The aggregate value; null when there was nothing to aggregate (which fails the rule).</summary>
    public double? Value { get; init; }

    /// <summary>Whether the rule held.</summary>
    public bool Passed { get; init; }
}
