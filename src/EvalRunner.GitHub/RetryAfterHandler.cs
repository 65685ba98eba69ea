using System.Net;

namespace EvalRunner.GitHub;

/// <summary>
/// Retries a GitHub API request when GitHub says when to (a rate limit answered with 403 or 429 and Retry-After),
/// at most three times and never waiting longer than a minute at once.
/// </summary>
internal sealed class RetryAfterHandler(TimeProvider time) : DelegatingHandler(new SocketsHttpHandler())
{
    private const int MaxRetries = 3;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var response = await base.SendAsync(attempt == 0 ? request : Copy(request, body), cancellationToken).ConfigureAwait(false);
            var limited = response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests;
            if (!limited || attempt == MaxRetries || RetryAfter(response) is not { } wait)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is null ? null : TimeSpan.FromSeconds(Math.Clamp(wait.Value.TotalSeconds, 0, 60));
    }

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
