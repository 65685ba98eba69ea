using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Testing;

/// <summary>
/// A minimal OpenTelemetry collector on 127.0.0.1: it accepts OTLP/HTTP protobuf exports on <c>POST /v1/logs</c> and
/// <c>POST /v1/metrics</c>, keeps each request whole (the test decodes it), and answers <see cref="Status"/> (200 unless
/// a test switches it, e.g. to 503).
/// </summary>
public sealed class FakeOtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<FakeOtlpRequest> _requests = new();
    private WebApplication _app = null!;

    private FakeOtlpReceiver()
    {
    }

    /// <summary>The receiver's root (<c>http://127.0.0.1:PORT/</c>); exporters add <c>v1/logs</c> or <c>v1/metrics</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The status every export is answered with.</summary>
    public int Status { get; set; } = StatusCodes.Status200OK;

    /// <summary>When set, an export is read and then never answered (until the client gives up).</summary>
    public bool Hang { get; set; }

    public IReadOnlyList<FakeOtlpRequest> Requests => [.. _requests];

    /// <summary>The bodies of the requests to <paramref name="path"/> (<c>/v1/logs</c>) that were answered 200.</summary>
    public IReadOnlyList<byte[]> Accepted(string path) => [.. _requests.Where(r => r.Path == path && r.Status == StatusCodes.Status200OK).Select(r => r.Body)];

    public static async Task<FakeOtlpReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var receiver = new FakeOtlpReceiver();
        (receiver._app, receiver.BaseUrl) = await LoopbackHost.StartAsync(
            app =>
            {
                app.MapPost("/v1/logs", receiver.HandleAsync);
                app.MapPost("/v1/metrics", receiver.HandleAsync);
            },
            cancellationToken);
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var status = Status;
        _requests.Enqueue(new FakeOtlpRequest
        {
            Path = context.Request.Path.Value ?? string.Empty,
            ContentType = context.Request.ContentType,
            Headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal),
            Body = body.ToArray(),
            Status = status,
        });
        if (Hang)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status200OK)
        {
            // An empty Export*ServiceResponse: full success.
            context.Response.ContentType = "application/x-protobuf";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
