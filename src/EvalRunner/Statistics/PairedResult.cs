namespace EvalRunner.Statistics;

/// <summary>
/// A paired comparison of a candidate with a baseline over the same datapoints. Differences are candidate minus
/// baseline, so a negative <see cref="Delta"/> means the candidate scored lower.
/// </summary>
internal sealed record PairedResult
{
    /// <summary>The mean over datapoints of each datapoint's mean difference.</summary>
    public required double Delta { get; init; }

    /// <summary>The percentile bootstrap interval of <see cref="Delta"/>; null for fewer than 2 datapoints.</summary>
    public Interval? Interval { get; init; }

    /// <summary>
    /// One-sided p-value of "the candidate is worse than the baseline by more than the margin":
    /// small when the data show such a regression; 1 when there is too little data to tell.
    /// </summary>
    public required double P { get; init; }

    /// <summary>Cohen's d_z: the mean of the per-datapoint differences over their standard deviation; null when that is 0 or there are fewer than 2 datapoints.</summary>
    public double? EffectSize { get; init; }

    /// <summary>The datapoints compared (those with values on both sides).</summary>
    public required int Datapoints { get; init; }
}
