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

    /// <summary>Rows that had a value for the rule's column.</summary>
    public int Covered { get; init; }

    /// <summary>Rows that should have had a value: every row of the model config, less rows excluded on purpose.</summary>
    public int Of { get; init; }

    /// <summary>Covered of <see cref="Of"/>, 0 to 1; null when no row should have had a value.</summary>
    public double? Coverage => Of == 0 ? null : (double)Covered / Of;

    /// <summary>Why the rule was not met although its value held (coverage below <c>run.min_coverage</c>), or null.</summary>
    public string? CoverageProblem { get; init; }
}
