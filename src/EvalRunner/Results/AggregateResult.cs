namespace EvalRunner.Results;

/// <summary>One aggregate threshold decided for one model config.</summary>
public sealed record AggregateResult
{
    /// <summary>The rule as written.</summary>
    public required string Rule { get; init; }

    /// <summary>The model config it was computed over.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>The aggregate value; null when there was nothing to aggregate (which fails the rule).</summary>
    public double? Value { get; init; }

    /// <summary>
    /// The lower bound of the value's 95% confidence interval; null for <c>min</c>, <c>max</c>, <c>sum</c> and
    /// <c>count</c>, and when too few values were measured (fewer than 2 for <c>t</c> and <c>bootstrap</c>).
    /// </summary>
    public double? Lower { get; init; }

    /// <summary>The upper bound of the value's 95% confidence interval; null when <see cref="Lower"/> is.</summary>
    public double? Upper { get; init; }

    /// <summary>
    /// How the interval was computed: <c>wilson</c> (rate, or mean of a bool column; with <c>run.repeat</c> above 1 on
    /// the rows divided by the trials' design effect), <c>t</c> (mean of numbers) or <c>bootstrap</c> (percentiles; with
    /// <c>run.repeat</c> above 1 also mean of numbers, resampling datapoints with all their trials); null without an interval.
    /// </summary>
    public string? Interval { get; init; }

    /// <summary>Whether the rule held: by its value, or for <c>lower(...)</c> and <c>upper(...)</c> by that bound.</summary>
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
