using EvalRunner.Results;

namespace EvalRunner.Runs;

/// <summary>
/// One datapoint × model config decided as the run's verdict counts it: by its one row, or in a repeated run by the
/// k-of-n rule over its trials (<c>run.min_passes</c> of <c>run.repeat</c>), with <c>run.fail_on_error</c> applied.
/// Front ends (a test case per datapoint) read it; none decides for itself.
/// </summary>
internal sealed record DatapointDecision
{
    /// <summary>The datapoint's id.</summary>
    public required string DatapointId { get; init; }

    /// <summary>The model config.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>The rows of its trials that ran, by trial.</summary>
    public required IReadOnlyList<Row> Trials { get; init; }

    /// <summary>Pass, fail or error by the k-of-n rule; null when no trial was measured (none ran, or every one needs a live run).</summary>
    public Outcome? Outcome { get; init; }

    /// <summary>Whether it counts against the run: it failed, or it errored and <c>run.fail_on_error</c> is on.</summary>
    public bool FailsRun { get; init; }

    /// <summary>Trials that passed.</summary>
    public int Passed { get; init; }

    /// <summary>Trials measured: passed, failed or errored.</summary>
    public int Measured { get; init; }

    /// <summary>Trials that must pass (<c>run.min_passes</c>, or every trial).</summary>
    public int MinPasses { get; init; }

    /// <summary>Trials per datapoint × model config (<c>run.repeat</c>).</summary>
    public int Repeat { get; init; }

    /// <summary>Whether no trial ran: the run ended (stopped by its budget or a fault, or cancelled) before it started.</summary>
    public bool NotRun { get; init; }

    /// <summary>Why it has fewer trials than <see cref="Repeat"/>, when the run ended without them; else null.</summary>
    public string? Why { get; init; }

    /// <summary>Whether every measured trial ran into a cache miss in replay mode: neither passed nor failed.</summary>
    public bool NeedsLiveRun => Outcome is null && !NotRun;

    /// <summary>Whether a decided outcome counts against the run (<see cref="Row.Fails"/>, with the suite's <c>run.fail_on_error</c>).</summary>
    internal static bool Fails(Outcome? outcome, Suites.RunOptions options) => Row.Fails(outcome, options.FailOnError);

    /// <summary>
    /// Decides a datapoint × model config from the rows of its trials that ran; <paramref name="ended"/> says why the run
    /// ended early (null while it runs or when it ran to the end).
    /// </summary>
    internal static DatapointDecision Of(string datapointId, string modelConfig, IReadOnlyList<Row> trials, Suites.RunOptions options, string? ended)
    {
        var counts = default(TrialCounts);
        foreach (var row in trials)
        {
            counts.Add(row);
        }

        var outcome = counts.Decide(options.RequiredPasses);
        var missing = options.Repeat - trials.Count;
        return new DatapointDecision
        {
            DatapointId = datapointId,
            ModelConfig = modelConfig,
            Trials = [.. trials.OrderBy(r => r.Trial)],
            Outcome = outcome,
            FailsRun = Fails(outcome, options),
            Passed = counts.Passed,
            Measured = counts.Measured,
            MinPasses = options.RequiredPasses,
            Repeat = options.Repeat,
            NotRun = trials.Count == 0,
            Why = missing > 0 && ended is not null
                ? trials.Count == 0 ? $"not run: {ended}" : $"{missing} of {options.Repeat} trials not run: {ended}"
                : null,
        };
    }
}
