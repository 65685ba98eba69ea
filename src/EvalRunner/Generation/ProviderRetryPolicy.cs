using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using EvalRunner.Logs;

namespace EvalRunner.Generation;

/// <summary>
/// The retry policy of the run's OpenAI and Azure OpenAI clients. It sends a request again after a 429 (waiting as
/// <c>retry-after-ms</c> or <c>Retry-After</c> asks, up to <see cref="ClientSetup.MaxRetryWait"/>), a 5xx, a timeout,
/// a dropped connection, or a 200 that holds no usable completion; it never sends again what no retry fixes (400,
/// 401, 403, 404, an exhausted quota, a prompt over the context length) and says so in words. While it waits, the
/// row gives its slot back to the run's limiter.
/// </summary>
internal sealed class ProviderRetryPolicy(ClientSetup setup) : PipelinePolicy
{
    /// <summary>A rate-limited request is retried at least this often: short 429 waits are the provider pacing the run.</summary>
    private const int RateLimitRetries = 10;

    private static readonly TimeSpan InitialDelay = TimeSpan.FromSeconds(0.8);

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        ProcessAsync(message, pipeline, currentIndex).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        var retries = 0;
        var rateLimited = 0;
        while (true)
        {
            Exception? failure = null;
            try
            {
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            }
            catch (Exception ex) when (!message.CancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }

            var (cause, problem) = Classify(message, failure);
            if (cause is null)
            {
                return;
            }

            TimeSpan delay;
            if (cause == RetryCause.RateLimit)
            {
                setup.OnRateLimited?.Invoke();
                var asked = RetryAfter(message.Response!);
                if (asked > setup.MaxRetryWait)
                {
                    throw new ProviderException(
                        ErrorKind.RateLimit,
                        $"rate limited; the provider asked to wait {asked!.Value.TotalSeconds:0.###} s, more than run.max_retry_wait ({setup.MaxRetryWait.TotalSeconds:0.###} s)",
                        new ProviderFault { Key = "429 long wait", AccountWide = true });
                }

                if (rateLimited >= (setup.Retries == 0 ? 0 : Math.Max(setup.Retries, RateLimitRetries)))
                {
                    throw new ProviderException(ErrorKind.RateLimit, $"rate limited: the provider answered 429 on {rateLimited + 1} tries: {problem}");
                }

                rateLimited++;
                delay = asked ?? Backoff(rateLimited);
            }
            else
            {
                if (retries >= setup.Retries)
                {
                    if (failure is not null)
                    {
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                    }

                    throw new ProviderException(ErrorKind.Generation, $"{problem} (after {retries + 1} tries)");
                }

                retries++;
                delay = Backoff(retries);
            }

            setup.Tally?.Add(cause.Value);
            message.Response?.ContentStream?.Dispose();
            await setup.WaitBeforeRetry(delay, message.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Null when the answer is usable; else why it is sent again (or it throws when no retry fixes it).</summary>
    private static (RetryCause? Cause, string Problem) Classify(PipelineMessage message, Exception? failure)
    {
        if (failure is not null)
        {
            return (failure is OperationCanceledException or TimeoutException ? RetryCause.Timeout : RetryCause.ServerError, failure.Message);
        }

        var response = message.Response!;
        var status = response.Status;
        if (status is >= 200 and < 300)
        {
            return Unusable(message) is { } what ? (RetryCause.Unusable, $"the provider answered {status} with no usable completion: {what}") : (null, string.Empty);
        }

        var (code, text) = ErrorOf(response);
        var said = $"{status}{(code is null ? string.Empty : " " + code)}{(text is null ? string.Empty : ": " + text)}";
        if (status == 429 && code is not ("insufficient_quota" or "billing_hard_limit_reached"))
        {
            return (RetryCause.RateLimit, said);
        }

        if (status is 408 or >= 500)
        {
            return (RetryCause.ServerError, $"the provider answered {said}");
        }

        // What no retry fixes: said once, with the provider's own code and message.
        var contextLength = code is "context_length_exceeded" or "string_above_max_length";
        var (kind, why) = status switch
        {
            429 => (ErrorKind.RateLimit, "the account has no quota left; add credit or raise the limit"),
            401 => (ErrorKind.Generation, "the API key was refused; check api_key"),
            403 => (ErrorKind.Generation, "the key may not use this model or endpoint"),
            404 => (ErrorKind.Generation, "the model or endpoint does not exist; check model and base_url"),
            _ when contextLength => (ErrorKind.Generation, "the prompt is longer than the model's context"),
            _ => (ErrorKind.Generation, "the provider rejected the request"),
        };
        throw new ProviderException(
            kind,
            $"{why} (not retried): the provider answered {said}",
            new ProviderFault { Key = $"{status} {code}", AccountWide = status is 401 or 403 or 404 or 429 });
    }

    /// <summary>What is wrong with a 2xx answer, or null when it holds a completion (or is not one this policy checks).</summary>
    private static string? Unusable(PipelineMessage message)
    {
        var path = message.Request.Uri?.AbsolutePath ?? string.Empty;
        var chat = path.EndsWith("/chat/completions", StringComparison.Ordinal);
        if (!message.BufferResponse || !(chat || path.EndsWith("/embeddings", StringComparison.Ordinal)))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(message.Response!.Content);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "the body is not a JSON object";
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                var (code, text) = ErrorOf(error);
                return $"the body is an error{(code is null ? string.Empty : " " + code)}{(text is null ? string.Empty : ": " + text)}";
            }

            var list = chat ? "choices" : "data";
            if (!root.TryGetProperty(list, out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
            {
                return $"'{list}' is missing or empty";
            }

            return chat && (!items[0].TryGetProperty("message", out var first) || first.ValueKind != JsonValueKind.Object)
                ? "the first choice has no message"
                : null;
        }
        catch (JsonException ex)
        {
            return "the body is not JSON (" + ex.Message.Split(" Path:")[0] + ")";
        }
    }

    private static (string? Code, string? Message) ErrorOf(PipelineResponse response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Content);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error)
                ? ErrorOf(error)
                : (null, Short(response.Content.ToString()));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return (null, response.ReasonPhrase);
        }
    }

    private static (string? Code, string? Message) ErrorOf(JsonElement error)
    {
        if (error.ValueKind == JsonValueKind.String)
        {
            return (null, Short(error.GetString()!));
        }

        if (error.ValueKind != JsonValueKind.Object)
        {
            return (null, Short(error.GetRawText()));
        }

        string? Text(string name) => error.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return (Text("code") ?? Text("type"), Text("message") is { } text ? Short(text) : null);
    }

    private static string Short(string text)
    {
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length > 500 ? text[..500] + "…" : text;
    }

    /// <summary>The wait a 429 asks for: <c>retry-after-ms</c> (OpenAI), else <c>Retry-After</c> in seconds or as a date.</summary>
    private TimeSpan? RetryAfter(PipelineResponse response)
    {
        if ((response.Headers.TryGetValue("retry-after-ms", out var ms) || response.Headers.TryGetValue("x-ms-retry-after-ms", out ms))
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (response.Headers.TryGetValue("Retry-After", out var after) && after is not null)
        {
            if (double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                var wait = at - setup.Time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }

    /// <summary>Exponential backoff with jitter, never longer than the longest wait the run allows.</summary>
    private TimeSpan Backoff(int retry)
    {
        var delay = InitialDelay * Math.Pow(2, retry - 1) * (0.8 + (0.4 * Random.Shared.NextDouble()));
        return delay > setup.MaxRetryWait ? setup.MaxRetryWait : delay;
    }
}
