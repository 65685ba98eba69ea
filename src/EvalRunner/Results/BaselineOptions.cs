namespace EvalRunner.Results;

/// <summary>How a run is compared with its baseline (<c>baseline:</c> in the suite file).</summary>
internal sealed record BaselineOptions
{
    /// <summary>The default <see cref="Alpha"/>.</summary>
    public const double DefaultAlpha = 0.05;

    /// <summary>The baseline's results directory (<c>baseline.source</c>, relative to the suite's folder); null when the suite names none.</summary>
    public string? Source { get; init; }

    /// <summary>How far a numeric score of one datapoint may move before it is listed as changed. Default 0.</summary>
    public double Tolerance { get; init; }

    /// <summary>The significance level of <c>significant</c> regression rules, after Holm's adjustment. Default 0.05.</summary>
    public double Alpha { get; init; } = DefaultAlpha;

    /// <summary>What new datapoints (only in the head run) mean to every regression rule that does not say. Default: reported only.</summary>
    public NewDatapoints NewDatapoints { get; init; }

    /// <summary>A baseline older than this is stale (flagged, still used). Default 7 days.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(7);
}
