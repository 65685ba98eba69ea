namespace EvalRunner.Suites;

/// <summary>How a suite runs (<c>run:</c> in the suite file).</summary>
internal sealed record RunOptions
{
    /// <summary>How many generations (datapoint × model config) run at once. Default 4.</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>The longest one generation may take before it is recorded as an error. Default 60 s.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries of one LLM request after 429, 5xx, a timeout or a reset connection. Default 3.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>The longest one LLM request may take before it is retried; null uses <see cref="Timeout"/>.</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>Stop starting new calls once the run has cost this much (USD); null for no limit.</summary>
    public double? MaxCost { get; init; }

    /// <summary>Stop starting new calls once the run has used this many tokens; null for no limit.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Whether a row with an error (failed generation or evaluator) fails the run. Default true.</summary>
    public bool FailOnError { get; init; } = true;

    /// <summary>
    /// The share of rows (0 to 1) that must have a value for an aggregate rule's column for the rule to be met; rows
    /// with an error or a failed evaluator have none. Default 1: every row must be measured (fail closed).
    /// </summary>
    public double MinCoverage { get; init; } = 1.0;

    /// <summary>
    /// The longest wait a 429 answer may ask for (<c>retry-after-ms</c> or <c>Retry-After</c>); a longer one fails the
    /// request at once with the wait it asked for. Default 60 s.
    /// </summary>
    public TimeSpan MaxRetryWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The most bytes (UTF-8) of one generated response kept; a longer one is cut there and its row says
    /// <c>truncated_output</c>, with the SHA-256 of the whole. Default 1 MB (1,048,576).
    /// </summary>
    public int MaxOutputBytes { get; init; } = 1 << 20;

    /// <summary>
    /// In replay mode (<c>--cache replay</c>), what a datapoint whose calls are not in the cache means: it needs a live
    /// run and is left out of the decision (skip, the default), or it is a failing row (fail).
    /// </summary>
    public ReplayMissing ReplayMissing { get; init; } = ReplayMissing.Skip;

    /// <summary>
    /// In replay mode, the share of rows (0 to 1) that must be measured (not left out as needing a live run) for the run
    /// to pass; below it, a run in which no measured row failed is <see cref="Results.Verdict.Unmeasured"/> (exit 0, never a
    /// pass). Default 0.5: a verdict over most of the rows, while a pull request that changed most datapoints is not
    /// passed on the few that are left.
    /// </summary>
    public double MinMeasured { get; init; } = 0.5;

    /// <summary>How many times each datapoint × model config runs (generation and every evaluator). Default 1.</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>
    /// With <see cref="Repeat"/> above 1, how many trials of a datapoint × model config must pass for it to pass (k of n);
    /// null means every trial (<see cref="Repeat"/>).
    /// </summary>
    public int? MinPasses { get; init; }

    /// <summary>The trials that must pass: <see cref="MinPasses"/>, at most <see cref="Repeat"/>, or every trial.</summary>
    public int RequiredPasses => Math.Min(MinPasses ?? Repeat, Repeat);

    /// <summary>The most trials <c>run.repeat</c> (or <c>--repeat</c>) may ask for.</summary>
    public const int MaxRepeat = 1000;
}
