using System.Globalization;
using System.Net;

namespace EvalRunner.GitHub;

/// <summary>
/// Tries a GitHub API request again, up to <paramref name="tries"/> tries in all, when another try can succeed: GitHub
/// could not be reached, answered 5xx, or answered a rate limit (403 or 429) with <c>Retry-After</c> or with
/// <c>x-ratelimit-remaining: 0</c> and <c>x-ratelimit-reset</c>, or a 403 whose message is the secondary rate limit
/// (which GitHub may send without any of those headers). Faults back off 1 s, 2 s, 4 s…; a rate limit waits as
/// GitHub says (a secondary one without a header: a minute), never more than <see cref="MaxWait"/> at once, and a limit
/// that resets later than that is not waited for at all. Every wait goes through <see cref="TimeProvider"/>. Its <see cref="SocketsHttpHandler"/> follows redirects
/// itself and drops the Authorization header on each, whatever the host and port: an artifact's download, redirected to
/// blob storage, must not carry the token there (Octokit's own redirect handler would keep it for the same host name).
/// </summary>
internal sealed class RetryAfterHandler(TimeProvider time, int tries = RetryAfterHandler.DefaultTries) : DelegatingHandler(new SocketsHttpHandler())
{
    /// <summary>Tries per request unless told otherwise.</summary>
    public const int DefaultTries = 3;

    /// <summary>The longest single wait.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    /// <summary>Tries per request.</summary>
    public int Tries { get; } = Math.Max(1, tries);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(attempt == 1 ? request : Copy(request, body), cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < Tries && !cancellationToken.IsCancellationRequested)
            {
                // Unreachable (connection refused, DNS, reset): back off and try again.
                await Task.Delay(Backoff(attempt), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (attempt >= Tries || (Wait(response, attempt) ?? await SecondaryWaitAsync(response, cancellationToken).ConfigureAwait(false)) is not { } wait)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether GitHub's answer is its rate limit (primary or secondary), judged by status and headers.</summary>
    public static bool IsRateLimit(HttpStatusCode status, Func<string, string?> header) =>
        status == HttpStatusCode.TooManyRequests
        || (status == HttpStatusCode.Forbidden && (header("x-ratelimit-remaining") == "0" || header("retry-after") is not null));

    /// <summary>
    /// Whether a message GitHub answered is its secondary rate limit ("You have exceeded a secondary rate limit"), which
    /// GitHub may answer with a 403 and no rate-limit header at all.
    /// </summary>
    public static bool IsSecondaryRateLimit(string? message) =>
        message?.Contains("secondary rate limit", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>When GitHub's rate limit resets (<c>x-ratelimit-reset</c>, Unix seconds), if it said.</summary>
    public static DateTimeOffset? ResetOf(Func<string, string?> header) =>
        long.TryParse(header("x-ratelimit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private TimeSpan? Wait(HttpResponseMessage response, int attempt)
    {
        if ((int)response.StatusCode >= 500)
        {
            return Backoff(attempt);
        }

        string? Header(string name) => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
        if (!IsRateLimit(response.StatusCode, Header))
        {
            // A 403 without rate-limit headers is a token that cannot do this: no try changes that.
            return null;
        }

        if (response.Headers.RetryAfter is { } retryAfter)
        {
            var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : TimeSpan.Zero);
            return Clamp(wait);
        }

        if (Header("x-ratelimit-remaining") == "0" && ResetOf(Header) is { } reset)
        {
            var wait = reset - time.GetUtcNow();

            // A limit that resets later than the longest wait would fail again: give up now, not after waiting.
            return wait > MaxWait ? null : Clamp(wait);
        }

        return Backoff(attempt);
    }

    /// <summary>
    /// A 403 without rate-limit headers whose message is the secondary rate limit: GitHub asks to wait at least a minute
    /// (<see cref="MaxWait"/>, each try). Any other 403 is a token that cannot do this: no try changes that.
    /// </summary>
    private static async Task<TimeSpan?> SecondaryWaitAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.Forbidden)
        {
            return null;
        }

        // Buffered, so that Octokit still reads the answer when it is returned.
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return IsSecondaryRateLimit(body) ? MaxWait : null;
    }

    private static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxWait ? MaxWait : wait;

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var (name, values) in request.Content!.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return copy;
    }
}
