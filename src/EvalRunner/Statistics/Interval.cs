namespace EvalRunner.Statistics;

/// <summary>A two-sided confidence interval around an estimate; <see cref="Lower"/> &lt;= <see cref="Upper"/>.</summary>
internal sealed record Interval
{
    /// <summary>The lower bound.</summary>
    public required double Lower { get; init; }

    /// <summary>The upper bound.</summary>
    public required double Upper { get; init; }

    /// <summary>Whether <paramref name="value"/> lies within the bounds, both included.</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;
}
