using EvalRunner.Datasets;

namespace EvalRunner.Runs;

/// <summary>Where and how to run a suite: the front end's choices on top of the suite's own options.</summary>
public sealed record RunRequest
{
    /// <summary>The directory for <c>results.jsonl</c> and <c>run.json</c>; created when missing, earlier files replaced.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Overrides the suite's <c>run.concurrency</c> when set.</summary>
    public int? Concurrency { get; init; }

    /// <summary>
    /// Overrides the suite's <c>run.repeat</c> when set: how many times each datapoint × model config runs (1 to 1000).
    /// A <c>run.min_passes</c> above it is taken as this many.
    /// </summary>
    public int? Repeat { get; init; }

    /// <summary>The suite as this request runs it: with <see cref="Repeat"/> when set.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="Repeat"/> is below 1 or above 1000.</exception>
    internal Suites.Suite Apply(Suites.Suite suite)
    {
        if (Repeat is not { } repeat || repeat == suite.Options.Repeat)
        {
            return suite;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(repeat, 1, nameof(Repeat));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(repeat, Suites.RunOptions.MaxRepeat, nameof(Repeat));
        return suite with { Options = suite.Options with { Repeat = repeat } };
    }

    /// <summary>Runs only the matching datapoints when set.</summary>
    internal DatapointFilter? Filter { get; init; }

    /// <summary>
    /// Runs only this shard's share of the datapoints when set (<c>--shard I/N</c>): those whose id hashes to it, with
    /// every model config and trial. <c>run.json</c> records it; <c>evalrunner merge</c> joins the shards' results.
    /// </summary>
    internal Shard? Shard { get; init; }

    /// <summary>The datapoints this request runs: <see cref="Filter"/> within <see cref="Shard"/>; null for all.</summary>
    internal DatapointFilter? Selection => Shard is null ? Filter : (Filter ?? new DatapointFilter { Terms = [] }) with { Shard = Shard };

    /// <summary>The response cache for LLM calls (generations and judges); null for none.</summary>
    internal Caching.FileResponseCache? Cache { get; init; }

    /// <summary>Keep the finished rows of <see cref="OutputDirectory"/>'s results.jsonl and run only the others.</summary>
    public bool Resume { get; init; }

    /// <summary>
    /// With <see cref="Resume"/>: resume even when the suite (its file, dataset, Python, scores or schema files) changed
    /// since the interrupted run. Without it such a resume is refused with the files that changed.
    /// </summary>
    public bool ResumeAnyway { get; init; }

    /// <summary>
    /// With <see cref="Resume"/>: keep error rows too (the watcher's rows are each a log evaluated once, error or not;
    /// a run's error rows are run again instead).
    /// </summary>
    internal bool KeepErrorRows { get; init; }

    /// <summary>
    /// The baseline's results directory (a run, or a folder of runs paired by suite name); overrides the suite's
    /// <c>baseline.source</c>. Regression rules are decided against it once the rows are written.
    /// </summary>
    internal string? Baseline { get; init; }

    /// <summary>Told about every row as it is written, and about the total before the first row.</summary>
    internal IRunObserver? Observer { get; init; }

    /// <summary>
    /// Handed each row this run writes, once it is on disk (not the rows a resumed run keeps): the front end's export of
    /// evaluation results (OpenTelemetry events). Called on the writer's thread, one row at a time; it must neither
    /// block nor throw.
    /// </summary>
    internal Action<Results.Row>? RowWritten { get; init; }
}
