namespace EvalRunner.Logs;

/// <summary>How many times a run's LLM requests were sent again, by what made them fail.</summary>
internal sealed record RetryCounts
{
    /// <summary>After a 429 answer with a wait within <c>run.max_retry_wait</c>.</summary>
    public int RateLimit { get; init; }

    /// <summary>After a 5xx answer (or 408) or a dropped connection.</summary>
    public int ServerError { get; init; }

    /// <summary>After a request that took longer than <c>run.request_timeout</c>.</summary>
    public int Timeout { get; init; }

    /// <summary>After a 200 answer that held no usable completion (an error body, no choices, no message).</summary>
    public int Unusable { get; init; }

    /// <summary>All retries.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Total => RateLimit + ServerError + Timeout + Unusable;
}
