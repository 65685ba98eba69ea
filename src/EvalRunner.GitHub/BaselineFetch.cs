using EvalRunner.Results;

namespace EvalRunner.GitHub;

/// <summary>The end of a search for a baseline: what happened, and the baseline when one was found.</summary>
internal sealed record BaselineFetch
{
    public required BaselineOutcome Outcome { get; init; }

    /// <summary>Why there is no baseline (<see cref="BaselineOutcome.None"/>, <see cref="BaselineOutcome.Unavailable"/>), in one sentence.</summary>
    public string? Reason { get; init; }

    /// <summary>Where the baseline comes from, as written to <c>baseline.json</c> (<see cref="BaselineOutcome.Found"/>).</summary>
    public BaselineInfo? Baseline { get; init; }

    /// <summary>The folder it was extracted into (<see cref="BaselineOutcome.Found"/>).</summary>
    public string? Directory { get; init; }
}
