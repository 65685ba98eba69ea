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

    /// <summary>The account has no quota or credit left (a 429 such as <c>insufficient_quota</c>); not retried.</summary>
    Quota,

    /// <summary>The provider refused the key, or the key may not use this model or endpoint (401, 403); not retried.</summary>
    Auth,

    /// <summary>The provider rejected the request as made (a 400, or a 404 for an unknown model or endpoint); not retried.</summary>
    BadRequest,

    /// <summary>The prompt is longer than the model's context; not retried.</summary>
    ContextLength,

    /// <summary>The provider kept failing on its side (5xx, 408, a dropped connection) after every retry.</summary>
    ServerError,
}
