using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Logs;

namespace EvalRunner.Results;

/// <summary>The decided run of one suite: written to <c>run.json</c> beside <c>results.jsonl</c>.</summary>
public sealed record RunResult
{
    /// <summary>The suite's name.</summary>
    public required string Suite { get; init; }

    /// <summary>The suite file.</summary>
    public required string SuitePath { get; init; }

    /// <summary>
    /// The SHA-256 (hex) of the suite file and every file it reads (dataset, Python, scores and schema files), as the
    /// run started; null in a run.json written without one.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SuiteHash { get; init; }

    /// <summary>The SHA-256 (hex) of each file in <see cref="SuiteHash"/>, by its path relative to the suite's folder.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? SuiteParts { get; init; }

    /// <summary>The commit and branch the run measured (CI's variables, else git); null when not known.</summary>
    [System.Text.Json.Serialization.JsonInclude]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    internal Results.RunSource? Source { get; init; }

    /// <summary>The shard this run is (<c>run --shard I/N</c>): <c>{index, count}</c>; null for a whole run or a merged one.</summary>
    [System.Text.Json.Serialization.JsonInclude]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    internal Shard? Shard { get; init; }

    /// <summary>How many shards a merged run (<c>evalrunner merge</c>) was joined from; null for a run that was not merged.</summary>
    [System.Text.Json.Serialization.JsonInclude]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    internal int? MergedShards { get; init; }

    /// <summary>The run compared with its baseline (regression rules, flips, new and removed datapoints); null when it was not compared.</summary>
    [System.Text.Json.Serialization.JsonInclude]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    internal Results.Comparison? Baseline { get; init; }

    /// <summary>Pass, fail, error, cancelled, skipped (an empty shard), or unmeasured (replay mode, below <c>run.min_measured</c>).</summary>
    public required Verdict Verdict { get; init; }

    /// <summary>Why the verdict is what it is, in one or a few sentences (the <see cref="Reasons"/> joined).</summary>
    public required string Reason { get; init; }

    /// <summary>Every reason for the verdict, each with its kind.</summary>
    public IReadOnlyList<VerdictReason> Reasons { get; init; } = [];

    /// <summary>The run with another verdict and its reasons, <see cref="Reason"/> kept their sentences joined.</summary>
    internal RunResult WithVerdict(Verdict verdict, IReadOnlyList<VerdictReason> reasons) =>
        this with { Verdict = verdict, Reasons = reasons, Reason = Sentences(reasons) };

    /// <summary>The reasons' messages as one text, as <see cref="Reason"/> holds them.</summary>
    internal static string Sentences(IEnumerable<VerdictReason> reasons) => string.Join(". ", reasons.Select(r => r.Message));

    /// <summary>
    /// The reasons of a verdict that does not pass which no datapoint's own decision shows (aggregate rules, a
    /// regression, a stopped run, nothing measured): what a front end with a test case per datapoint reports on its
    /// aggregate case. Rows that failed or errored are shown by their datapoints; empty when the run passed.
    /// </summary>
    internal IReadOnlyList<VerdictReason> ReasonsBeyondDatapoints => ExitCode == 0
        ? []
        : [.. Reasons.Where(r => r.Kind is not (VerdictReasonKind.Passed or VerdictReasonKind.RowsFailed or VerdictReasonKind.RowsErrored or VerdictReasonKind.NeedsLiveRun))];

    /// <summary>The process exit code for this verdict: 0 pass (and skipped, unmeasured), 1 fail, 2 error, 130 cancelled.</summary>
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

    /// <summary>Rows measured: <see cref="Rows"/> less <see cref="Excluded"/> (errors are measured; rows that need a live run are not).</summary>
    public int Measured => Rows - Excluded;

    /// <summary>
    /// The run's pass rate: <see cref="Passed"/> ÷ <see cref="Measured"/>, errors in the denominator; 0 when nothing was
    /// measured. Every output that shows a run's pass rate reads it here.
    /// </summary>
    public double PassRate => RateOf(Passed, Measured);

    /// <summary>
    /// The 95% Wilson interval of <see cref="PassRate"/>; null when nothing was measured, or when the counts do not add up
    /// (a run.json edited by hand).
    /// </summary>
    internal Statistics.Interval? PassRateInterval => Passed >= 0 && Passed <= Measured ? Statistics.Intervals.Wilson(Passed, Measured) : null;

    /// <summary>The pass rate of several runs together: their passes ÷ their measured rows, as <see cref="PassRate"/>.</summary>
    public static double PassRateOf(IEnumerable<RunResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var list = results as IReadOnlyCollection<RunResult> ?? [.. results];
        return RateOf(list.Sum(r => r.Passed), list.Sum(r => r.Measured));
    }

    /// <summary>Passes ÷ measured rows, 0 when none: the one definition of a pass rate (runs and model configs).</summary>
    internal static double RateOf(int passed, int measured) => measured == 0 ? 0 : (double)passed / measured;

    /// <summary>
    /// Generations paid for twice: a resumed run (<c>--resume</c>) generated these again because the interrupted run had
    /// sent them and was stopped before their rows were written. At most the run's concurrency; 0 for a run not resumed.
    /// </summary>
    public int Repaid { get; init; }

    /// <summary>
    /// What the run noticed that decides nothing but needs a look, one sentence each: a damaged line dropped on resume,
    /// scores of an <c>external</c> evaluator whose ids match no datapoint (a typo, a removed datapoint).
    /// </summary>
    public IReadOnlyList<string> Warnings
    {
        get;

        // A run.json from before warnings existed has none.
        init => field = value ?? [];
    } = [];

    /// <summary>
    /// Rows never started because the run stopped early (its budget, or a provider fault no retry fixes). They are
    /// not rows: in no count and no denominator; the verdict of a stopped run is an error and says how many.
    /// </summary>
    public int NotRun { get; init; }

    /// <summary>The calls allowed at once: configured, and where the adaptive limiter settled; null when the run generated nothing itself.</summary>
    [System.Text.Json.Serialization.JsonInclude]
    internal ConcurrencySummary? Concurrency { get; init; }

    /// <summary>How often LLM requests were sent again, by cause; null in runs written before it was recorded.</summary>
    [System.Text.Json.Serialization.JsonInclude]
    internal RetryCounts? Retries { get; init; }

    /// <summary>
    /// In a repeated run (<c>run.repeat</c> above 1), the datapoints decided by the k-of-n rule, with the flaky ones;
    /// null when the suite runs each datapoint once.
    /// </summary>
    [System.Text.Json.Serialization.JsonInclude]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    internal DatapointSummary? Datapoints { get; init; }

    /// <summary>What the run's agents did (steps, tool calls, tool errors, rows ended on max_steps); null when no row had a trajectory.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public TrajectoryCounts? Trajectories { get; init; }

    /// <summary>Per model config counts and totals.</summary>
    [System.Text.Json.Serialization.JsonInclude]
    internal IReadOnlyList<ModelSummary> Models { get; init; } = [];

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

    /// <summary>
    /// The verdict of several runs together, for front ends that show one (the Action's <c>verdict</c> output): the
    /// verdict of the worst exit code; among runs that exit 0, unmeasured before pass before skipped. No run is an error.
    /// </summary>
    internal static Verdict VerdictOf(IEnumerable<RunResult> results) =>
        results.Select(r => r.Verdict).DefaultIfEmpty(Verdict.Error)
            .MaxBy(v => (ExitCodeOf(v), v switch { Verdict.Unmeasured => 2, Verdict.Pass => 1, _ => 0 }));

    /// <summary>The exit code of a verdict.</summary>
    public static int ExitCodeOf(Verdict verdict) => verdict switch
    {
        Verdict.Pass or Verdict.Skipped or Verdict.Unmeasured => 0,
        Verdict.Fail => 1,
        Verdict.Cancelled => 130,
        _ => 2,
    };
}
