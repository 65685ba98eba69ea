namespace EvalRunner.Generation;

/// <summary>A provider's failed call as its provider classified it (<see cref="ProviderKind.Classify"/>).</summary>
internal sealed record ProviderError
{
    public required FaultKind Kind { get; init; }

    /// <summary>The HTTP status, when the failure is an answer.</summary>
    public int? Status { get; init; }

    /// <summary>The provider's own error code or type.</summary>
    public string? Code { get; init; }

    /// <summary>The provider's message, or what went wrong.</summary>
    public string? Detail { get; init; }

    /// <summary>The wait a rate limit asks for, when known; null backs off exponentially.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The answer in a few words, for example <c>429 rate_limit_error: slow down</c>.</summary>
    public string Said => $"{Status}{(Code is null ? string.Empty : " " + Code)}{(Detail is null ? string.Empty : ": " + Detail)}";

    /// <summary>What went wrong, for a row's error when the retries ran out.</summary>
    public string Problem => Kind == FaultKind.Unusable ? $"the provider answered {Status} with no usable completion: {Detail}"
        : Status is null ? Detail ?? Kind.ToString()
        : $"the provider answered {Said}";

    /// <summary>The codes of a prompt over the model's context length (OpenAI's).</summary>
    private static readonly string[] ContextLengthCodes = ["context_length_exceeded", "string_above_max_length"];

    /// <summary>The 429 codes of an account without quota or credit (OpenAI's).</summary>
    private static readonly string[] QuotaCodes = ["insufficient_quota", "billing_hard_limit_reached"];

    /// <summary>The usual meaning of an HTTP status with the provider's code and message.</summary>
    public static ProviderError FromStatus(int status, string? code, string? detail, TimeSpan? retryAfter = null) => new()
    {
        Kind = status switch
        {
            429 when code is not null && QuotaCodes.Contains(code) => FaultKind.Quota,
            429 => FaultKind.RateLimit,
            408 or >= 500 => FaultKind.ServerError,
            401 or 403 => FaultKind.Auth,
            404 => FaultKind.NotFound,
            _ when code is not null && ContextLengthCodes.Contains(code) => FaultKind.ContextLength,
            _ => FaultKind.BadRequest,
        },
        Status = status,
        Code = code,
        Detail = detail,
        RetryAfter = retryAfter,
    };

    /// <summary>The meaning of an answer the run read.</summary>
    public static ProviderError From(HttpAnswer answer) => FromStatus(answer.Status, answer.Code, answer.Message, answer.RetryAfter);
}
