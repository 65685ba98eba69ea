namespace EvalRunner.Runs;

/// <summary>The decided run of one suite: written to <c>run.json</c> beside <c>results.jsonl</c>.</summary>
public sealed record RunResult
{
    /// <summary>The suite's name.</summary>
    public required string Suite { get; init; }

    /// <summary>The suite file.</summary>
    public required string SuitePath { get; init; }

    /// <summary>Pass, fail, error or cancelled.</summary>
    public required Verdict Verdict { get; init; }

    /// <summary>Why the verdict is what it is, in one or a few sentences (the <see cref="Reasons"/> joined).</summary>
    public required string Reason { get; init; }

    /// <summary>Every reason for the verdict, each with its kind.</summary>
    public IReadOnlyList<VerdictReason> Reasons { get; init; } = [];

    /// <summary>The process exit code for this verdict: 0 pass, 1 fail, 2 error, 130 cancelled.</summary>
    public int ExitCode => ExitCodeOf(Verdict);

    /// <summary>When the run started (UTC).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the run ended (UTC).</summary>
    public DateTimeOffset FinishedAt { get; init; }

    /// <summary>Rows run, over all model configs.</summary>
    public int Rows { get; init; }

    /// <summary>Rows that passed.</summary>
    public int Passed { get; init; }

    /// <summary>Rows that failed.</summary>
    public int Failed { get; init; }

    /// <summary>Rows with an error.</summary>
    public int Errors { get; init; }

    /// <summary>
    /// Rows left out of the decision on purpose: in replay mode, datapoints whose calls are not in the cache and need
    /// a live run. They are neither passes nor errors and are not in any denominator.
    /// </summary>
    public int Excluded { get; init; }

    /// <summary>
    /// Rows never started because the run stopped early (its budget, or a provider fault no retry fixes). They are
    /// not rows: in no count and no denominator; the verdict of a stopped run is an error and says how many.
    /// </summary>
    public int NotRun { get; init; }

    /// <summary>The calls allowed at once: configured, and where the adaptive limiter settled; null when the run generated nothing itself.</summary>
    public ConcurrencySummary? Concurrency { get; init; }

    /// <summary>How often LLM requests were sent again, by cause; null in runs written before it was recorded.</summary>
    public RetryCounts? Retries { get; init; }

    /// <summary>Per model config counts and totals.</summary>
    public IReadOnlyList<ModelSummary> Models { get; init; } = [];

    /// <summary>What the run cost in USD, generations and judges (see <see cref="Models"/> for the split).</summary>
    public double CostUsd { get; init; }

    /// <summary>Every aggregate threshold for every model config.</summary>
    public IReadOnlyList<AggregateResult> Aggregates { get; init; } = [];

    /// <summary>Every threshold rule as written.</summary>
    public IReadOnlyList<string> Thresholds { get; init; } = [];

    /// <summary>The rows file, relative to <c>run.json</c>.</summary>
    public string Results { get; init; } = "results.jsonl";

    /// <summary>The directory <c>run.json</c> and <c>results.jsonl</c> are in.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string OutputDirectory { get; init; } = ".";

    /// <summary>The exit code of several runs: the worst of them (no run at all is an error).</summary>
    public static int ExitCodeOf(IEnumerable<RunResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.Select(r => r.ExitCode).DefaultIfEmpty(ExitCodeOf(Verdict.Error)).Max();
    }

    /// <summary>The exit code of a verdict.</summary>
    public static int ExitCodeOf(Verdict verdict) => verdict switch
    {
        Verdict.Pass => 0,
        Verdict.Fail => 1,
        Verdict.Cancelled => 130,
        _ => 2,
    };
}
