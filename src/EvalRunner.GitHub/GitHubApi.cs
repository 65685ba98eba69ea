using System.Globalization;
using System.Net;
using Octokit;
using Octokit.Internal;

namespace EvalRunner.GitHub;

/// <summary>
/// The Octokit client every GitHub call of EvalRunner goes through: pointed at <c>GITHUB_API_URL</c>, with the token,
/// and with <see cref="RetryAfterHandler"/> under it (tries from <c>EVALRUNNER_GITHUB_TRIES</c>, else 3). It also says
/// in words why a call failed, and whether another try later could succeed.
/// </summary>
internal sealed class GitHubApi
{
    private GitHubApi(GitHubClient client, Uri url, int tries)
    {
        Client = client;
        Url = url;
        Tries = tries;
    }

    public GitHubClient Client { get; }

    /// <summary>The API's root, for messages.</summary>
    public Uri Url { get; }

    /// <summary>Tries per request.</summary>
    public int Tries { get; }

    /// <summary>A client for <paramref name="token"/>; <paramref name="tries"/> null: <c>EVALRUNNER_GITHUB_TRIES</c>, else 3.</summary>
    public static GitHubApi Connect(Settings settings, string token, int? tries, TimeProvider time)
    {
        var url = new Uri(settings.Get("GITHUB_API_URL") ?? "https://api.github.com");
        var count = tries
            ?? (int.TryParse(settings.GetNotSecret("EVALRUNNER_GITHUB_TRIES"), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : RetryAfterHandler.DefaultTries);

        // The handler under Octokit is a SocketsHttpHandler that follows redirects itself and drops the Authorization
        // header on every redirect, whatever the host or port: an artifact's download, redirected to blob storage,
        // never carries the token there. (Octokit's own redirect handler drops it only for another host name.)
        var retries = new RetryAfterHandler(time, count);
        var connection = new Connection(
            new ProductHeaderValue("evalrunner"),
            url,
            new InMemoryCredentialStore(new Credentials(token)),
            new HttpClientAdapter(() => retries),
            new SimpleJsonSerializer());
        return new GitHubApi(new GitHubClient(connection), url, retries.Tries);
    }

    /// <summary>
    /// Whether <paramref name="ex"/> is GitHub failing rather than a bug: an answer GitHub gave (<see cref="ApiException"/>),
    /// GitHub out of reach, or a request that timed out (not one the caller cancelled).
    /// </summary>
    public static bool IsFault(Exception ex, CancellationToken cancellationToken) =>
        ex is ApiException or HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>GitHub answered, but not with JSON Octokit can read (a connection cut mid-answer, a proxy's page).</summary>
    public static bool IsGarbled(Exception ex) =>
        ex is System.Runtime.Serialization.SerializationException or System.Text.Json.JsonException or FormatException or InvalidCastException;

    /// <summary>A fault another try (later) can get past: GitHub is failing, or the token's rate limit is used up.</summary>
    public static bool IsUnavailable(ApiException ex) => (int)ex.StatusCode >= 500 || IsRateLimit(ex);

    /// <summary>
    /// Why a call failed, in words: unreachable, timed out, the rate limit (primary and until when, or secondary), a 5xx;
    /// for another 403 or a 404, <paramref name="forbidden"/> (what this call needs the token to be allowed).
    /// </summary>
    public string Why(Exception ex, string forbidden) => ex switch
    {
        HttpRequestException => $"GitHub could not be reached at {Url} ({TriesText})",
        TaskCanceledException => $"GitHub did not answer in time at {Url}",
        ApiException e when IsSecondaryRateLimit(e) => $"GitHub's secondary rate limit was hit ({TriesText})",
        ApiException e when IsRateLimit(e) => RetryAfterHandler.ResetOf(name => Header(e, name)) is { } reset
            ? $"the token's GitHub API rate limit is used up until {reset.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC ({TriesText}, waiting at most {RetryAfterHandler.MaxWait.TotalSeconds:0} s)"
            : $"GitHub's rate limit was hit ({TriesText})",
        ApiException e when (int)e.StatusCode >= 500 => $"GitHub answered {(int)e.StatusCode} ({TriesText})",
        ApiException { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.NotFound } => forbidden,
        ApiException { StatusCode: HttpStatusCode.Unauthorized } => "GitHub did not accept the token (401)",
        ApiException e => $"GitHub answered {(int)e.StatusCode}",
        _ when IsGarbled(ex) => $"GitHub's answer at {Url} could not be read (not whole JSON)",
        _ => ex.Message,
    };

    private string TriesText => Tries == 1 ? "tried once" : $"tried {Tries} times";

    private static bool IsRateLimit(ApiException ex) => RetryAfterHandler.IsRateLimit(ex.StatusCode, name => Header(ex, name)) || IsSecondaryRateLimit(ex);

    // Octokit names it by its message; a 403 that says so without rate-limit headers is no token that cannot write.
    private static bool IsSecondaryRateLimit(ApiException ex) =>
        ex is SecondaryRateLimitExceededException or AbuseException || RetryAfterHandler.IsSecondaryRateLimit(ex.Message);

    private static string? Header(ApiException ex, string name) =>
        ex.HttpResponse?.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
