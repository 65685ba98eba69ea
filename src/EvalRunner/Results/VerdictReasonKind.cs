namespace EvalRunner.Results;

/// <summary>What decided a verdict.</summary>
public enum VerdictReasonKind
{
    /// <summary>Every row and every aggregate rule held (the reason of a passing run).</summary>
    Passed,

    /// <summary>The run was cancelled (Ctrl-C); the finished rows are kept.</summary>
    Cancelled,

    /// <summary>The run stopped before the end: its budget was reached, or its input broke mid-run.</summary>
    Stopped,

    /// <summary>Nothing was measured: no datapoint ran, or every row errored or was excluded.</summary>
    NothingMeasured,

    /// <summary>An aggregate rule was not met, by its value or by its coverage.</summary>
    AggregateFailed,

    /// <summary>Rows failed a per-datapoint rule.</summary>
    RowsFailed,

    /// <summary>Rows errored and <c>run.fail_on_error</c> is true.</summary>
    RowsErrored,

    /// <summary>
    /// In replay mode, datapoints whose calls are not in the response cache were not measured (they need a live run);
    /// said beside the reasons that decided, with how many of how many.
    /// </summary>
    NeedsLiveRun,

    /// <summary>A regression rule against the baseline run is broken (<c>rate(outcome.passed) &gt;= baseline significant</c>).</summary>
    Regression,

    /// <summary>
    /// A shard (<c>run --shard I/N</c>) that no datapoint hashed to: nothing ran there, which is no error; the merged run
    /// decides the suite.
    /// </summary>
    EmptyShard,

    /// <summary>
    /// A merged run (<c>evalrunner merge</c>) lacks a shard, a shard's run failed or has no run.json, or the shards do not
    /// belong together (another suite version, another number of shards, a datapoint in two shards).
    /// </summary>
    Shards,

    /// <summary>
    /// In replay mode, less of the run was measured than <c>run.min_measured</c> asks: the verdict is
    /// <see cref="Verdict.Unmeasured"/>, with how many of how many were measured.
    /// </summary>
    Unmeasured,
}
