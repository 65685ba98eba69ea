using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Datasets;
using EvalRunner.Online;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EvalRunner.Cli.Online;

/// <summary>
/// The HTTP side of <c>watch --listen</c>: <c>POST /logs</c> (dataset rows with a <c>generated_response</c>),
/// <c>POST /v1/traces</c> (OTLP/HTTP GenAI chat spans) and <c>POST /v1/logs</c> (OTLP/HTTP GenAI log events, joined
/// to their spans), and <c>GET /metrics</c> (the watcher's metrics for Prometheus) when asked. Every log goes to the <see cref="ILogIntake"/>; a request is answered 202 (or 200 for OTLP) only
/// once the intake has stored it, and 429 with Retry-After when it is full.
/// </summary>
internal sealed partial class LogListener : IAsyncDisposable
{
    /// <summary>How often calls whose time to wait is over are ended, and held-back console lines said.</summary>
    private static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(1);

    private readonly WebApplication _app;
    private readonly LogListenerOptions _options;
    private readonly ILogIntake _intake;
    private readonly Func<JsonElement, SourceLocation, Datapoint> _parse;
    private readonly byte[]? _token;
    private readonly GenAIJoin _join;
    private readonly OtlpNotices _notices;
    private readonly SemaphoreSlim _joinGate = new(1, 1);
    private ITimer? _sweep;
    private long _saved;

    private LogListener(WebApplication app, LogListenerOptions options, ILogIntake intake, Func<JsonElement, SourceLocation, Datapoint> parse)
    {
        _app = app;
        _options = options;
        _intake = intake;
        _parse = parse;
        _token = options.BearerToken is { Length: > 0 } token ? Encoding.UTF8.GetBytes(token) : null;
        _join = new GenAIJoin(options.TimeProvider, options.LateEventGrace);
        _notices = new OtlpNotices(options.TimeProvider, options.Notice);
    }

    /// <summary>The root address it listens on, with the bound port (such as http://127.0.0.1:4318/).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// Starts listening. <paramref name="parse"/> turns one posted log into a datapoint (the suite's field mapping, when it
    /// has one); by default the dataset row parser.
    /// </summary>
    public static async Task<LogListener> StartAsync(
        LogListenerOptions options,
        ILogIntake intake,
        Func<JsonElement, SourceLocation, Datapoint>? parse,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(options.Endpoint);
            kestrel.AddServerHeader = false;
            // The listener reads at most MaxBodyBytes itself (also after gzip), answering 413.
            kestrel.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var listener = new LogListener(app, options, intake, parse ?? DatapointParser.Parse);
        listener.Restore();
        app.MapPost("/logs", (RequestDelegate)listener.HandleLogsAsync);
        app.MapPost("/v1/traces", (RequestDelegate)listener.HandleTracesAsync);
        app.MapPost("/v1/logs", (RequestDelegate)listener.HandleOtlpLogsAsync);
        if (options.Metrics is { } metrics)
        {
            // Read from the metrics' last values, never from the window: a scrape during a burst answers at once.
            app.MapPrometheusScrapingEndpoint(WatchTelemetry.ScrapePath, metrics, branch => branch.Use(listener.RequireTokenAsync), optionsName: null);
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        listener.Address = new Uri(address.TrimEnd('/') + "/");
        listener._sweep = options.TimeProvider.CreateTimer(_ => _ = listener.SweepAsync(), null, SweepEvery, SweepEvery);
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        if (_sweep is not null)
        {
            await _sweep.DisposeAsync().ConfigureAwait(false);
        }

        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);

        // The calls still waiting are kept for the next start.
        await _joinGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            Save(always: true);
        }
        finally
        {
            _joinGate.Release();
        }

        _joinGate.Dispose();
    }

    /// <summary>Goes on to <paramref name="next"/> only with the token, when one is required.</summary>
    private async Task RequireTokenAsync(HttpContext context, RequestDelegate next)
    {
        if (await AuthorizeAsync(context).ConfigureAwait(false))
        {
            await next(context).ConfigureAwait(false);
        }
    }

    /// <summary>False (and a 401 written) when a token is required and the request does not carry it.</summary>
    private async Task<bool> AuthorizeAsync(HttpContext context)
    {
        if (_token is null)
        {
            return true;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()), _token))
        {
            return true;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "a bearer token is required (Authorization: Bearer <token>)").ConfigureAwait(false);
        return false;
    }

    /// <summary>The request body (gunzipped when it says so), or null when it is over the limit (a 413 is written).</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var limit = _options.MaxBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await TooLargeAsync(context).ConfigureAwait(false);
            return null;
        }

        var body = context.Request.Body;
        var gzip = string.Equals(context.Request.Headers.ContentEncoding.ToString(), "gzip", StringComparison.OrdinalIgnoreCase);
        await using var source = gzip ? new GZipStream(body, CompressionMode.Decompress, leaveOpen: true) : body;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        try
        {
            while ((read = await source.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    await TooLargeAsync(context).ConfigureAwait(false);
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "the body says Content-Encoding: gzip but is not gzip").ConfigureAwait(false);
            return null;
        }

        return buffer.ToArray();
    }

    private Task TooLargeAsync(HttpContext context) =>
        WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"the body is larger than the limit of {_options.MaxBodyBytes} bytes; send fewer logs per request");

    /// <summary>Answers 413: the batch holds more logs than the queue can ever hold, so sending it again cannot help.</summary>
    private Task TooManyAsync(HttpContext context, int count) =>
        WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, $"the request holds {count} logs and the queue holds at most {_intake.Capacity} logs; nothing was taken, send at most {_intake.Capacity} logs per request");

    /// <summary>Answers 429 with Retry-After: the intake is full and nothing was taken.</summary>
    private static Task BusyAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, "the queue of logs to evaluate is full; nothing was taken, send again after Retry-After");
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, int? index = null, string? field = null)
    {
        var body = new JsonObject { ["error"] = message };
        if (index is { } at)
        {
            body["index"] = at;
        }

        if (field is not null)
        {
            body["field"] = field;
        }

        await WriteJsonAsync(context, status, body).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static bool HasMediaType(HttpContext context, params string[] types)
    {
        var contentType = context.Request.ContentType;
        if (contentType is null)
        {
            return false;
        }

        var mediaType = contentType.Split(';')[0].Trim();
        return types.Any(type => string.Equals(mediaType, type, StringComparison.OrdinalIgnoreCase));
    }
}
