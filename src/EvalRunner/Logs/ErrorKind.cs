namespace EvalRunner.Logs;

/// <summary>The kinds of failure a row can have.</summary>
public enum ErrorKind
{
    /// <summary>The model config could not produce a response (the provider or the program failed).</summary>
    Generation,

    /// <summary>An evaluator failed or returned values that do not fit its columns.</summary>
    Evaluator,

    /// <summary>In replay mode, a call that is not in the cache: the datapoint needs a live run. Such rows are excluded, not errors.</summary>
    CacheMiss,

    /// <summary>The run's budget (<c>run.max_cost</c>, <c>run.max_tokens</c>) stopped the call.</summary>
    Budget,

    /// <summary>The generation or the evaluator took longer than allowed.</summary>
    Timeout,

    /// <summary>The provider kept rate limiting after every retry.</summary>
    RateLimit,

    /// <summary>A file or a process could not be read, written or started.</summary>
    Io,

    /// <summary>The suite's configuration does not fit the datapoint (a missing value, a bad template variable).</summary>
    Config,
}
