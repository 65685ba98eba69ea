namespace EvalRunner.Generation;

/// <summary>Why an LLM request is sent again.</summary>
internal enum RetryCause
{
    RateLimit,
    ServerError,
    Timeout,
    Unusable,
}
