namespace EvalRunner.Results;

/// <summary>Which run the head was compared with, and whether it is fit to compare with.</summary>
internal sealed record BaselineIdentity
{
    /// <summary>The baseline's run directory as given.</summary>
    public string? Path { get; init; }

    /// <summary>Whether a baseline run was found there.</summary>
    public bool Found { get; init; }

    /// <summary>Why no baseline was used, when none was.</summary>
    public string? Note { get; init; }

    /// <summary>The commit the baseline measured, when known.</summary>
    public string? Commit { get; init; }

    /// <summary>Its branch, when known.</summary>
    public string? Branch { get; init; }

    /// <summary>When the baseline run finished (its run.json <c>finished_at</c>).</summary>
    public DateTimeOffset? Date { get; init; }

    /// <summary>Hours between <see cref="Date"/> and the comparison.</summary>
    public double? AgeHours { get; init; }

    /// <summary>The CI run that produced the baseline, when its artifact says (<c>baseline.json</c>).</summary>
    public string? RunUrl { get; init; }

    /// <summary>True when the baseline is older than <c>baseline.max_age</c> or measured another version of the suite.</summary>
    public bool Stale { get; init; }

    /// <summary>Why it is stale, one sentence each.</summary>
    public IReadOnlyList<string> StaleReasons { get; init; } = [];

    /// <summary>The suite's files that differ from the baseline's (by their path relative to the suite's folder).</summary>
    public IReadOnlyList<string> ChangedFiles { get; init; } = [];
}
