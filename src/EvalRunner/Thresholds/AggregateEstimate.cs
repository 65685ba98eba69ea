using EvalRunner.Statistics;

namespace EvalRunner.Thresholds;

/// <summary>An aggregate's value with its 95% confidence interval, when its function has one.</summary>
internal sealed record AggregateEstimate
{
    /// <summary>The aggregate value; null when there was nothing to aggregate.</summary>
    public double? Value { get; init; }

    /// <summary>The interval; null for min, max, sum and count, or when too few values measured it.</summary>
    public Interval? Interval { get; init; }

    /// <summary>How the interval was computed: <c>wilson</c>, <c>t</c> or <c>bootstrap</c>; null without one.</summary>
    public string? Method { get; init; }
}
