using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Testing;

/// <summary>
/// A GitHub-API-shaped server on 127.0.0.1 for pull-request comments (list, create, edit), under both <c>/</c> and
/// <c>/api/v3/</c> (GitHub Enterprise Server). It keeps the comments, records every request, and can answer faults.
/// </summary>
public sealed class FakeGitHubServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Method, string Path, string? Authorization, string Body)> _requests = new();
    private readonly ConcurrentQueue<(int Status, string Body, int? RetryAfter)> _failures = new();
    private readonly ConcurrentDictionary<long, (long Issue, string Body)> _comments = new();
    private long _nextId = 1000;

    private FakeGitHubServer(WebApplication app) => _app = app;

    public Uri ApiUrl { get; private set; } = null!;

    public IReadOnlyList<(string Method, string Path, string? Authorization, string Body)> Requests => [.. _requests];

    /// <summary>The comments on an issue or pull request, oldest first.</summary>
    public IReadOnlyList<(long Id, string Body)> Comments(long issue) =>
        [.. _comments.Where(c => c.Value.Issue == issue).OrderBy(c => c.Key).Select(c => (c.Key, c.Value.Body))];

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="status"/>, with Retry-After when given.</summary>
    public void FailNext(int count, int status, string message, int? retryAfter = null)
    {
        for (var i = 0; i < count; i++)
        {
            _failures.Enqueue((status, JsonSerializer.Serialize(new { message, documentation_url = "https://docs.github.com/rest" }), retryAfter));
        }
    }

    public static async Task<FakeGitHubServer> StartAsync(CancellationToken cancellationToken = default)
    {
        FakeGitHubServer? server = null;
        var (_, root) = await LoopbackHost.StartAsync(
            app =>
            {
                server = new FakeGitHubServer(app);
                foreach (var prefix in new[] { string.Empty, "/api/v3" })
                {
                    app.MapGet(prefix + "/repos/{owner}/{repo}/issues/{number:long}/comments", server.ListAsync);
                    app.MapPost(prefix + "/repos/{owner}/{repo}/issues/{number:long}/comments", server.CreateAsync);
                    app.MapMethods(prefix + "/repos/{owner}/{repo}/issues/comments/{id:long}", ["PATCH"], server.UpdateAsync);
                }
            },
            cancellationToken);
        server!.ApiUrl = new Uri(root, "api/v3/");
        return server;
    }

    private async Task<(bool Failed, string Body)> ReceiveAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        _requests.Enqueue((context.Request.Method, context.Request.Path.Value!, context.Request.Headers.Authorization.FirstOrDefault(), body));
        if (_failures.TryDequeue(out var failure))
        {
            context.Response.StatusCode = failure.Status;
            if (failure.RetryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(failure.Body);
            return (true, body);
        }

        return (false, body);
    }

    private async Task ListAsync(HttpContext context, string owner, string repo, long number)
    {
        if ((await ReceiveAsync(context)).Failed)
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(Comments(number).Select(c => Json(owner, repo, number, c.Id, c.Body)));
    }

    private async Task CreateAsync(HttpContext context, string owner, string repo, long number)
    {
        var (failed, body) = await ReceiveAsync(context);
        if (failed)
        {
            return;
        }

        var text = JsonDocument.Parse(body).RootElement.GetProperty("body").GetString()!;
        var id = Interlocked.Increment(ref _nextId);
        _comments[id] = (number, text);
        context.Response.StatusCode = 201;
        await context.Response.WriteAsJsonAsync(Json(owner, repo, number, id, text));
    }

    private async Task UpdateAsync(HttpContext context, string owner, string repo, long id)
    {
        var (failed, body) = await ReceiveAsync(context);
        if (failed)
        {
            return;
        }

        if (!_comments.TryGetValue(id, out var comment))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var text = JsonDocument.Parse(body).RootElement.GetProperty("body").GetString()!;
        _comments[id] = (comment.Issue, text);
        await context.Response.WriteAsJsonAsync(Json(owner, repo, comment.Issue, id, text));
    }

    private object Json(string owner, string repo, long issue, long id, string body) => new
    {
        id,
        node_id = "IC_" + id,
        url = $"{ApiUrl}repos/{owner}/{repo}/issues/comments/{id}",
        html_url = $"http://127.0.0.1/{owner}/{repo}/pull/{issue}#issuecomment-{id}",
        body,
        user = new { login = "github-actions[bot]", id = 41898282, type = "Bot" },
        created_at = "2026-01-01T00:00:00Z",
        updated_at = "2026-01-01T00:00:00Z",
        author_association = "NONE",
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
