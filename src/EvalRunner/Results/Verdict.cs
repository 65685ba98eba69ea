namespace EvalRunner.Results;

/// <summary>How a whole run ended.</summary>
public enum Verdict
{
    /// <summary>Every threshold held and something was measured.</summary>
    Pass,

    /// <summary>A threshold failed, a datapoint failed, or (by default) a row had an error.</summary>
    Fail,

    /// <summary>Nothing could be measured: every row errored, or the input broke mid-run.</summary>
    Error,

    /// <summary>Stopped before the end (Ctrl-C); the finished rows are kept.</summary>
    Cancelled,

    /// <summary>
    /// Nothing to run here: a shard (<c>--shard I/N</c>) that no datapoint id hashes to. Exit code 0; <c>evalrunner
    /// merge</c> decides the suite over all its shards.
    /// </summary>
    Skipped,

    /// <summary>
    /// Not decided: in replay mode, fewer rows were measured than <c>run.min_measured</c> asks (the others' calls are not
    /// in the response cache and need a live run) and none that was measured failed. Exit code 0, since the rows could
    /// not run here (a fork's pull request has no API key), but never a pass: a live run decides the suite.
    /// </summary>
    Unmeasured,
}
