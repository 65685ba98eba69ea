using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Testing;

/// <summary>
/// A GitHub-API-shaped server on 127.0.0.1 for pull-request comments (list, create, edit, delete), <c>GET /user</c>,
/// and the workflow runs and artifacts of GitHub Actions (a workflow's runs by file name, filtered by branch and status;
/// a run's artifacts; an artifact's zip; a workflow with no run at all is not found), under both <c>/</c> and <c>/api/v3/</c> (GitHub Enterprise Server). It keeps
/// the comments with their authors, records every request (its body, the body's bytes and the identity behind the
/// token), and answers faults on demand. An artifact's download answers 302 to a second listener, on another port, that
/// serves the zip as blob storage does (<see cref="BlobRequests"/>); an expired artifact's answers 410.
/// </summary>
/// <remarks>
/// Tokens are identities as on GitHub: a token given to <see cref="AddUserToken"/> is a person's (GET /user answers
/// the login); one given to <see cref="AddInstallationToken"/> is an app's installation token (GET /user answers 403,
/// comments are the app's bot); any other token is the workflow's <c>GITHUB_TOKEN</c>, whose comments are written by
/// <c>github-actions[bot]</c>.
/// </remarks>
public sealed class FakeGitHubServer : IAsyncDisposable
{
    public const string WorkflowBot = "github-actions[bot]";

    private readonly WebApplication _app;
    private WebApplication? _blobs;
    private readonly ConcurrentQueue<FakeGitHubRequest> _requests = new();
    private readonly ConcurrentQueue<FakeGitHubRequest> _blobRequests = new();
    private readonly ConcurrentDictionary<long, FakeWorkflowRun> _runs = new();
    private readonly ConcurrentDictionary<long, StoredArtifact> _artifacts = new();
    private readonly ConcurrentQueue<Failure> _failures = new();
    private readonly ConcurrentDictionary<long, (long Issue, FakeGitHubComment Comment)> _comments = new();
    private readonly ConcurrentDictionary<string, string> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _installations = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private TaskCompletionSource? _listGate;
    private int _listsToHold;
    private long _nextId = 1000;
    private bool _stopped;

    private FakeGitHubServer(WebApplication app) => _app = app;

    private sealed record Failure(int Status, string Body, IReadOnlyDictionary<string, string> Headers);

    private sealed record StoredArtifact(long RunId, string Name, byte[] Zip, bool Expired, DateTimeOffset CreatedAt);

    public Uri ApiUrl { get; private set; } = null!;

    /// <summary>The root of the listener that serves artifact zips, as blob storage does.</summary>
    public Uri BlobUrl { get; private set; } = null!;

    public IReadOnlyList<FakeGitHubRequest> Requests => [.. _requests];

    /// <summary>The requests the blob listener received (an artifact download after GitHub's redirect).</summary>
    public IReadOnlyList<FakeGitHubRequest> BlobRequests => [.. _blobRequests];

    /// <summary>A workflow run, listed by its workflow's runs; returns its id (ids grow with each run added).</summary>
    public long AddWorkflowRun(FakeWorkflowRun run)
    {
        var id = Interlocked.Increment(ref _nextId);
        _runs[id] = run;
        return id;
    }

    /// <summary>An artifact of run <paramref name="runId"/> whose download is <paramref name="zip"/>; returns its id.</summary>
    public long AddArtifact(long runId, string name, byte[] zip, bool expired = false)
    {
        var id = Interlocked.Increment(ref _nextId);
        _artifacts[id] = new StoredArtifact(runId, name, zip, expired, _runs[runId].CreatedAt.AddMinutes(1));
        return id;
    }

    /// <summary>A zip of a folder's files, with paths relative to it, as actions/upload-artifact makes of a results directory.</summary>
    public static byte[] Zip(string directory)
    {
        using var buffer = new MemoryStream();
        ZipFile.CreateFromDirectory(directory, buffer, CompressionLevel.Fastest, includeBaseDirectory: false);
        return buffer.ToArray();
    }

    /// <summary>The comments on an issue or pull request, oldest first.</summary>
    public IReadOnlyList<FakeGitHubComment> Comments(long issue) =>
        [.. _comments.Where(c => c.Value.Issue == issue).OrderBy(c => c.Key).Select(c => c.Value.Comment)];

    /// <summary>A personal token: GET /user answers <paramref name="login"/>, and its comments are written by it.</summary>
    public void AddUserToken(string token, string login) => _users[token] = login;

    /// <summary>An app's installation token: GET /user answers 403, and its comments are written by <paramref name="login"/>.</summary>
    public void AddInstallationToken(string token, string login) => _installations[token] = login;

    /// <summary>A comment written by someone else (a person quoting the marker, another bot).</summary>
    public long AddComment(long issue, string body, string author)
    {
        var id = Interlocked.Increment(ref _nextId);
        _comments[id] = (issue, new FakeGitHubComment { Id = id, Body = body, Author = author });
        return id;
    }

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="status"/>, with Retry-After when given.</summary>
    public void FailNext(int count, int status, string message, int? retryAfter = null) =>
        FailNext(count, status, message, retryAfter is { } seconds ? new Dictionary<string, string> { ["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture) } : new Dictionary<string, string>());

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="status"/> with these headers.</summary>
    public void FailNext(int count, int status, string message, IReadOnlyDictionary<string, string> headers)
    {
        for (var i = 0; i < count; i++)
        {
            _failures.Enqueue(new Failure(status, JsonSerializer.Serialize(new { message, documentation_url = "https://docs.github.com/rest" }), headers));
        }
    }

    /// <summary>The next <paramref name="count"/> requests answer 200 with JSON cut off in the middle, as a dropped connection leaves it.</summary>
    public void TruncateNext(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _failures.Enqueue(new Failure(200, "[{\"id\": 1, \"body\": \"<!-- evalrunner", new Dictionary<string, string>()));
        }
    }

    /// <summary>
    /// The next <paramref name="count"/> requests meet GitHub's primary rate limit: <paramref name="status"/> (403 or
    /// 429) with <c>x-ratelimit-remaining: 0</c> and <c>x-ratelimit-reset</c> at <paramref name="reset"/>.
    /// </summary>
    public void RateLimitNext(int count, DateTimeOffset reset, int status = 403) => FailNext(
        count,
        status,
        "API rate limit exceeded for installation ID 1.",
        new Dictionary<string, string>
        {
            ["x-ratelimit-limit"] = "5000",
            ["x-ratelimit-remaining"] = "0",
            ["x-ratelimit-used"] = "5000",
            ["x-ratelimit-reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["x-ratelimit-resource"] = "core",
        });

    /// <summary>
    /// The next <paramref name="count"/> comment listings wait until all of them have arrived, then answer: reporters
    /// started together all see the same comments, as two workflow runs that report at the same moment do.
    /// </summary>
    public void HoldListings(int count)
    {
        lock (_gate)
        {
            _listsToHold = count;
            _listGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Stops listening: from now on a connection to <see cref="ApiUrl"/> is refused.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public static async Task<FakeGitHubServer> StartAsync(CancellationToken cancellationToken = default)
    {
        FakeGitHubServer? server = null;
        var (blobs, blobRoot) = await LoopbackHost.StartAsync(app => app.MapGet("/blobs/{id:long}", (HttpContext context, long id) => server!.BlobAsync(context, id)), cancellationToken);
        var (_, root) = await LoopbackHost.StartAsync(
            app =>
            {
                server = new FakeGitHubServer(app);
                foreach (var prefix in new[] { string.Empty, "/api/v3" })
                {
                    app.MapGet(prefix + "/user", server.CurrentUserAsync);
                    app.MapGet(prefix + "/repos/{owner}/{repo}/issues/{number:long}/comments", server.ListAsync);
                    app.MapPost(prefix + "/repos/{owner}/{repo}/issues/{number:long}/comments", server.CreateAsync);
                    app.MapMethods(prefix + "/repos/{owner}/{repo}/issues/comments/{id:long}", ["PATCH"], server.UpdateAsync);
                    app.MapDelete(prefix + "/repos/{owner}/{repo}/issues/comments/{id:long}", server.DeleteAsync);
                    app.MapGet(prefix + "/repos/{owner}/{repo}/actions/workflows/{workflow}/runs", server.ListRunsAsync);
                    app.MapGet(prefix + "/repos/{owner}/{repo}/actions/runs/{id:long}/artifacts", server.ListArtifactsAsync);
                    app.MapGet(prefix + "/repos/{owner}/{repo}/actions/artifacts/{id:long}/{format}", server.DownloadAsync);
                }
            },
            cancellationToken);
        server!.ApiUrl = new Uri(root, "api/v3/");
        server.BlobUrl = blobRoot;
        server._blobs = blobs;
        return server;
    }

    private async Task ListRunsAsync(HttpContext context, string owner, string repo, string workflow)
    {
        if ((await ReceiveAsync(context)).Failed)
        {
            return;
        }

        if (!_runs.Values.Any(r => r.Workflow == workflow))
        {
            // As GitHub: a workflow file it has never run (not on the default branch yet) is not found.
            await NotFoundAsync(context);
            return;
        }

        var query = context.Request.Query;
        var branch = query["branch"].FirstOrDefault();
        var status = query["status"].FirstOrDefault();
        var perPage = int.TryParse(query["per_page"].FirstOrDefault(), CultureInfo.InvariantCulture, out var n) ? n : 30;
        var page = int.TryParse(query["page"].FirstOrDefault(), CultureInfo.InvariantCulture, out var p) ? p : 1;
        var runs = _runs
            .Where(r => r.Value.Workflow == workflow
                && (branch is null || r.Value.Branch == branch)
                && (status is null || status == "completed" || r.Value.Conclusion == status))
            .OrderByDescending(r => r.Value.CreatedAt)
            .ToList();
        await context.Response.WriteAsJsonAsync(new
        {
            total_count = runs.Count,
            workflow_runs = runs.Skip((page - 1) * perPage).Take(perPage).Select(r => RunJson(owner, repo, r.Key, r.Value)),
        });
    }

    private async Task ListArtifactsAsync(HttpContext context, string owner, string repo, long id)
    {
        if ((await ReceiveAsync(context)).Failed)
        {
            return;
        }

        if (!_runs.TryGetValue(id, out var run))
        {
            await NotFoundAsync(context);
            return;
        }

        var name = context.Request.Query["name"].FirstOrDefault();
        var artifacts = _artifacts.Where(a => a.Value.RunId == id && (name is null || a.Value.Name == name)).OrderBy(a => a.Key).ToList();
        await context.Response.WriteAsJsonAsync(new
        {
            total_count = artifacts.Count,
            artifacts = artifacts.Select(a => new
            {
                id = a.Key,
                node_id = "A_" + a.Key,
                name = a.Value.Name,
                size_in_bytes = a.Value.Zip.Length,
                url = $"{ApiUrl}repos/{owner}/{repo}/actions/artifacts/{a.Key}",
                archive_download_url = $"{ApiUrl}repos/{owner}/{repo}/actions/artifacts/{a.Key}/zip",
                expired = a.Value.Expired,
                created_at = Timestamp(a.Value.CreatedAt),
                updated_at = Timestamp(a.Value.CreatedAt),
                expires_at = Timestamp(a.Value.CreatedAt.AddDays(90)),
                workflow_run = new { id, head_branch = run.Branch, head_sha = run.HeadSha },
            }),
        });
    }

    private async Task DownloadAsync(HttpContext context, string owner, string repo, long id, string format)
    {
        if ((await ReceiveAsync(context)).Failed)
        {
            return;
        }

        if (format != "zip" || !_artifacts.TryGetValue(id, out var artifact))
        {
            await NotFoundAsync(context);
            return;
        }

        if (artifact.Expired)
        {
            context.Response.StatusCode = 410;
            await context.Response.WriteAsJsonAsync(new { message = "Artifact has expired", documentation_url = "https://docs.github.com/rest/actions/artifacts#download-an-artifact" });
            return;
        }

        // As GitHub: a short-lived signed URL on another host, which needs no token.
        context.Response.StatusCode = 302;
        context.Response.Headers.Location = new Uri(BlobUrl, $"blobs/{id}?sig=signed-url-{id}").ToString();
    }

    private async Task BlobAsync(HttpContext context, long id)
    {
        _blobRequests.Enqueue(new FakeGitHubRequest
        {
            Method = context.Request.Method,
            Path = context.Request.Path.Value! + context.Request.QueryString,
            Authorization = context.Request.Headers.Authorization.FirstOrDefault(),
            Body = string.Empty,
            BodyBytes = 0,
            Login = string.Empty,
        });
        if (!_artifacts.TryGetValue(id, out var artifact) || context.Request.Query["sig"] != $"signed-url-{id}")
        {
            context.Response.StatusCode = 403;
            return;
        }

        context.Response.ContentType = "application/zip";
        await context.Response.Body.WriteAsync(artifact.Zip, context.RequestAborted);
    }

    private object RunJson(string owner, string repo, long id, FakeWorkflowRun run)
    {
        var head = (run.HeadRepository ?? $"{owner}/{repo}").Split('/');
        return new
        {
            id,
            name = "evals",
            node_id = "WFR_" + id,
            head_branch = run.Branch,
            head_sha = run.HeadSha,
            path = ".github/workflows/" + run.Workflow,
            run_number = id,
            @event = run.Event,
            status = "completed",
            conclusion = run.Conclusion,
            workflow_id = 161335,
            url = $"{ApiUrl}repos/{owner}/{repo}/actions/runs/{id}",
            html_url = $"https://github.example/{owner}/{repo}/actions/runs/{id}",
            created_at = Timestamp(run.CreatedAt),
            updated_at = Timestamp(run.CreatedAt.AddMinutes(2)),
            run_started_at = Timestamp(run.CreatedAt),
            head_repository = new { id = 2, name = head[1], full_name = string.Join('/', head), owner = new { login = head[0] } },
            repository = new { id = 1, name = repo, full_name = $"{owner}/{repo}", owner = new { login = owner } },
        };
    }

    private static string Timestamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string? Token(HttpContext context) =>
        context.Request.Headers.Authorization.FirstOrDefault() is { } header && header.IndexOf(' ', StringComparison.Ordinal) is var space and > 0
            ? header[(space + 1)..]
            : null;

    private string Login(HttpContext context) => Token(context) is { } token
        ? _users.GetValueOrDefault(token) ?? _installations.GetValueOrDefault(token) ?? WorkflowBot
        : WorkflowBot;

    private async Task<(bool Failed, string Body)> ReceiveAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var bytes = buffer.ToArray();
        var body = Encoding.UTF8.GetString(bytes);
        string? comment = null;
        if (bytes.Length > 0 && JsonDocument.Parse(body).RootElement is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("body", out var text))
        {
            comment = text.GetString();
        }

        _requests.Enqueue(new FakeGitHubRequest
        {
            Method = context.Request.Method,
            Path = context.Request.Path.Value!,
            Authorization = context.Request.Headers.Authorization.FirstOrDefault(),
            Body = body,
            BodyBytes = bytes.Length,
            Comment = comment,
            Login = Login(context),
        });
        if (_failures.TryDequeue(out var failure))
        {
            context.Response.StatusCode = failure.Status;
            foreach (var (name, value) in failure.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(failure.Body);
            return (true, body);
        }

        return (false, body);
    }

    private async Task CurrentUserAsync(HttpContext context)
    {
        if ((await ReceiveAsync(context)).Failed)
        {
            return;
        }

        if (Token(context) is { } token && _users.TryGetValue(token, out var login))
        {
            await context.Response.WriteAsJsonAsync(new { login, id = 1, node_id = "U_1", type = "User", site_admin = false });
            return;
        }

        // Installation tokens (the workflow's GITHUB_TOKEN, an app's token) cannot read a user.
        context.Response.StatusCode = 403;
        await context.Response.WriteAsJsonAsync(new { message = "Resource not accessible by integration", documentation_url = "https://docs.github.com/rest/users/users#get-the-authenticated-user" });
    }

    private async Task ListAsync(HttpContext context, string owner, string repo, long number)
    {
        if ((await ReceiveAsync(context)).Failed)
        {
            return;
        }

        Task? hold = null;
        lock (_gate)
        {
            if (_listsToHold > 0 && _listGate is { } gate)
            {
                hold = gate.Task;
                if (--_listsToHold == 0)
                {
                    // Everyone has arrived; none of them could have written a comment yet.
                    gate.SetResult();
                }
            }
        }

        var comments = Comments(number);
        if (hold is not null)
        {
            await hold.WaitAsync(context.RequestAborted);
        }

        await context.Response.WriteAsJsonAsync(comments.Select(c => Json(owner, repo, number, c)));
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
        var comment = new FakeGitHubComment { Id = id, Body = text, Author = Login(context) };
        _comments[id] = (number, comment);
        context.Response.StatusCode = 201;
        await context.Response.WriteAsJsonAsync(Json(owner, repo, number, comment));
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
            await NotFoundAsync(context);
            return;
        }

        if (comment.Comment.Author != Login(context))
        {
            // GitHub lets only the author (or a maintainer) edit; the reporter must never try someone else's.
            context.Response.StatusCode = 403;
            await context.Response.WriteAsJsonAsync(new { message = "You cannot edit a comment written by someone else (test server)" });
            return;
        }

        var text = JsonDocument.Parse(body).RootElement.GetProperty("body").GetString()!;
        var edited = comment.Comment with { Body = text };
        _comments[id] = (comment.Issue, edited);
        await context.Response.WriteAsJsonAsync(Json(owner, repo, comment.Issue, edited));
    }

    private async Task DeleteAsync(HttpContext context, string owner, string repo, long id)
    {
        if ((await ReceiveAsync(context)).Failed)
        {
            return;
        }

        if (!_comments.TryRemove(id, out _))
        {
            await NotFoundAsync(context);
            return;
        }

        context.Response.StatusCode = 204;
    }

    private static Task NotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = 404;
        return context.Response.WriteAsJsonAsync(new { message = "Not Found", documentation_url = "https://docs.github.com/rest" });
    }

    private object Json(string owner, string repo, long issue, FakeGitHubComment comment) => new
    {
        id = comment.Id,
        node_id = "IC_" + comment.Id,
        url = $"{ApiUrl}repos/{owner}/{repo}/issues/comments/{comment.Id}",
        html_url = $"http://127.0.0.1/{owner}/{repo}/pull/{issue}#issuecomment-{comment.Id}",
        body = comment.Body,
        user = new { login = comment.Author, id = comment.IsBot ? 41898282 : 1, type = comment.IsBot ? "Bot" : "User" },

        // Ids grow with time, as on GitHub: the oldest comment has the smallest id and the earliest date.
        created_at = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600 + comment.Id).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        updated_at = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600 + comment.Id).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        author_association = comment.IsBot ? "NONE" : "MEMBER",
    };

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        if (_blobs is not null)
        {
            await _blobs.StopAsync();
            await _blobs.DisposeAsync();
        }
    }
}
