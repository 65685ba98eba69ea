using System.Security.Cryptography;
using System.Text;
using EvalRunner.Reviews;
using EvalRunner.Suites;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EvalRunner.Cli.View;

/// <summary>
/// <c>evalrunner view</c>'s web server (Kestrel, minimal APIs): the runs under the served folders, a run's rows paged
/// from results.jsonl, two runs compared, and the review queue writing a suite's scores file. Every page is rendered
/// here (no framework, nothing fetched from elsewhere); every request carries the random token the command printed.
/// </summary>
internal sealed partial class ViewServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ViewOptions _options;
    private readonly ViewRuns _runs;
    private readonly byte[] _token;
    private readonly Suite? _suite;
    private readonly ReviewScoresFile? _scores;
    private readonly string? _evaluator;

    private ViewServer(WebApplication app, ViewOptions options, string token, Suite? suite, string? evaluator)
    {
        _app = app;
        _options = options;
        _runs = new ViewRuns(options.Directories);
        Token = token;
        _token = Encoding.UTF8.GetBytes(token);
        _suite = suite;
        _evaluator = evaluator;
        _scores = suite is null || evaluator is null ? null : ReviewScoresFile.For(suite, evaluator);
    }

    /// <summary>The server's address, without the token.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>The token every request needs.</summary>
    public string Token { get; }

    /// <summary>The page to open: the address with the token.</summary>
    public Uri Url => new(Address, ViewHtml.Url(Token, "/"));

    /// <summary>Starts serving.</summary>
    /// <exception cref="SuiteException">The suite given for review cannot be read.</exception>
    /// <exception cref="ReviewException">The suite has no such external evaluator (or several, and none was named).</exception>
    /// <exception cref="IOException">The address is taken.</exception>
    public static async Task<ViewServer> StartAsync(ViewOptions options, CancellationToken cancellationToken)
    {
        Suite? suite = null;
        string? evaluator = null;
        if (options.SuitePath is not null)
        {
            suite = SuiteLoader.Load(options.SuitePath, new SuiteLoadOptions { Settings = options.Settings, AllowOutsidePaths = options.AllowOutsidePaths });
            evaluator = options.Evaluator ?? OnlyExternal(suite);

            // Refused here, before anything listens, when the suite has no such external evaluator.
            _ = ReviewScoresFile.For(suite, evaluator);
        }

        var token = options.Token ?? Base64Url(RandomNumberGenerator.GetBytes(24));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(options.Endpoint);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 1 << 20;
        });
        var app = builder.Build();
        var server = new ViewServer(app, options, token, suite, evaluator);
        app.Use(server.GuardAsync);
        app.MapGet("/", (RequestDelegate)server.HomeAsync);
        app.MapGet("/runs/{id}", (RequestDelegate)server.RowsAsync);
        app.MapGet("/compare", (RequestDelegate)server.CompareAsync);
        app.MapGet("/review", (RequestDelegate)server.ReviewAsync);
        app.MapPost("/review", (RequestDelegate)server.ScoreAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The suite's one external evaluator, the default of <c>--evaluator</c>.</summary>
    private static string OnlyExternal(Suite suite)
    {
        var externals = suite.Evaluators.OfType<Evaluators.BuiltIn.ExternalSpec>().Select(e => e.Name).ToList();
        return externals.Count == 1
            ? externals[0]
            : throw new ReviewException(externals.Count == 0
                ? $"{suite.Path}: the suite has no external evaluator to hold reviews (declare one with a scores file: docs/review.md)"
                : $"{suite.Path}: the suite has several external evaluators ({string.Join(", ", externals)}); name the one reviewed with --evaluator");
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Refuses a request without the token (in the query, a form field or the <c>X-EvalRunner-Token</c> header); sets the headers every answer has.</summary>
    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        string? given = context.Request.Query["token"];
        if (given is null && context.Request.HasFormContentType)
        {
            given = (await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false))["token"];
        }

        given ??= context.Request.Headers["X-EvalRunner-Token"];
        if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("401: this page needs the token in the address `evalrunner view` printed (…/?token=…)\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException && !context.Response.HasStarted)
        {
            // A file that changed under the page (a results or scores file removed, made unreadable, cut): said, and the
            // server goes on.
            await WriteProblemAsync(context, StatusCodes.Status500InternalServerError, $"a file could not be read or written: {ex.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>Writes a page, with a policy that allows nothing but this page's own styles and its one script.</summary>
    private static Task WritePageAsync(HttpContext context, string title, string body, string? script = null, int status = StatusCodes.Status200OK)
    {
        var nonce = Base64Url(RandomNumberGenerator.GetBytes(16));
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        return context.Response.WriteAsync(ViewHtml.Page(title, body, script, nonce), context.RequestAborted);
    }

    /// <summary>A page that says what is wrong with the request (an unknown run, a bad value), with a way back.</summary>
    private Task WriteProblemAsync(HttpContext context, int status, string message) =>
        WritePageAsync(context, "EvalRunner view", $"{Nav()}<p class=\"problem\" id=\"problem\">{ViewHtml.H(_options.Settings.Redact(message))}</p>", status: status);

    private string Nav() => $"<nav>{ViewHtml.Link(ViewHtml.Url(Token, "/"), "Runs")}{(_scores is null ? string.Empty : ViewHtml.Link(ViewHtml.Url(Token, "/review"), "Review"))}</nav>";
}
