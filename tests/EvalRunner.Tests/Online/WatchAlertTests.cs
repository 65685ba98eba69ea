using System.Text.Json;
using EvalRunner.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>The watcher's alerts: one per state change and no flapping, delivered apart from evaluation.</summary>
public sealed class WatchAlertTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static readonly bool[] Cycle = [false, false, true, true];

    private static readonly List<bool> Flapping = [true, true, .. Enumerable.Range(0, 5).SelectMany(_ => Cycle)];

    private static List<string?> States(string alerts) =>
        File.Exists(alerts) ? [.. File.ReadAllLines(alerts).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("state").GetString())] : [];

    /// <summary>A webhook on 127.0.0.1 whose answers <paramref name="handle"/> decides.</summary>
    private static async Task<(WebApplication App, Uri Url)> StartHookAsync(Func<HttpContext, Task<IResult>> handle, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/hook", handle);
        await app.StartAsync(cancellationToken);
        return (app, new Uri(app.Urls.First().TrimEnd('/') + "/hook"));
    }

    [Fact(Timeout = 60000)]
    public async Task A_pass_rate_flapping_around_its_threshold_changes_state_at_most_once_per_cooldown()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [mean(contains.passed) >= 0.5]\nrun: {concurrency: 1}\nonline: {window: 2, min_logs: 2, alerts: {file: alerts.jsonl, cooldown: 1m}}\n");
        var alerts = Path.Combine(dir.Path, "alerts.jsonl");
        var clock = new FakeTimeProvider(Start);
        await using var watch = await InProcessWatch.StartAsync(suitePath, Path.Combine(dir.Path, "out"), null, token, time: clock);

        // Two passing logs, then five times two failing and two passing: the window's rule breaks and holds in turn.
        var pattern = Flapping;
        Assert.True(await watch.Monitor.TryAcceptAsync([.. pattern.Select((pass, i) => WatchTests.PushedLog($"f:{i}", pass))], token));
        await watch.UntilAsync(() => watch.Monitor.Evaluated == pattern.Count && States(alerts).Count >= 1, token);

        // After the cooldown the rule holds: one clear.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await watch.Monitor.TryAcceptAsync([WatchTests.PushedLog("f:last", true)], token));
        await watch.UntilAsync(() => watch.Monitor.Evaluated == pattern.Count + 1 && States(alerts).Count >= 2, token);
        await watch.StopAsync();

        Assert.Equal(["breach", "clear"], States(alerts));
    }

    [Fact(Timeout = 60000)]
    public async Task A_hanging_webhook_does_not_hold_up_evaluation()
    {
        var token = TestContext.Current.CancellationToken;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = false;
        var posted = 0;
        var (app, url) = await StartHookAsync(
            async context =>
            {
                if (Interlocked.Increment(ref posted) == 1)
                {
                    first.TrySetResult();
                    try
                    {
                        await release.Task.WaitAsync(context.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        aborted = true;
                    }
                }

                return TypedResults.Ok();
            },
            token);
        await using var _ = app;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", $"name: prod\nevaluators: [{{type: contains, value: refund}}]\nthresholds: [mean(contains.passed) >= 0.5]\nrun: {{concurrency: 1}}\nonline: {{window: 2, min_logs: 2, alerts: {{file: alerts.jsonl, webhook: '{url}'}}}}\n");
        await using var watch = await InProcessWatch.StartAsync(suitePath, Path.Combine(dir.Path, "out"), null, token);

        Assert.True(await watch.Monitor.TryAcceptAsync([WatchTests.PushedLog("h:0", false), WatchTests.PushedLog("h:1", false)], token));
        await first.Task.WaitAsync(token);
        Assert.True(await watch.Monitor.TryAcceptAsync([.. Enumerable.Range(2, 4).Select(i => WatchTests.PushedLog($"h:{i}", false))], token));

        // Every log is evaluated while the webhook still holds the alert.
        await watch.UntilAsync(() => watch.Monitor.Evaluated == 6, token);
        Assert.False(Volatile.Read(ref aborted), "evaluation waited for the webhook until it timed out");
        release.SetResult();
        await watch.StopAsync();
        Assert.Equal(1, Volatile.Read(ref posted));
        Assert.Equal(["breach"], States(Path.Combine(dir.Path, "alerts.jsonl")));
    }

    [Fact(Timeout = 60000)]
    public async Task A_failed_webhook_delivery_is_retried_a_bounded_number_of_times()
    {
        var token = TestContext.Current.CancellationToken;
        var bodies = new List<string>();
        var (app, url) = await StartHookAsync(
            async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                int count;
                lock (bodies)
                {
                    bodies.Add(body);
                    count = bodies.Count;
                }

                // Model config a's alert gets through at its third attempt; model config b's never does.
                return count is 1 or 2 || body.Contains("prod / b]", StringComparison.Ordinal) ? TypedResults.StatusCode(503) : TypedResults.Ok();
            },
            token);
        await using var _ = app;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", $"name: prod\nevaluators: [{{type: contains, value: refund}}]\nthresholds: [mean(contains.passed) >= 0.5]\nrun: {{concurrency: 1}}\nonline: {{window: 2, min_logs: 2, alerts: {{webhook: '{url}'}}}}\n");
        var said = new List<string>();
        var clock = new FakeTimeProvider(Start);
        await using var watch = await InProcessWatch.StartAsync(suitePath, Path.Combine(dir.Path, "out"), null, token, s => { lock (said) { said.Add(s); } }, clock);
        int Posted()
        {
            lock (bodies)
            {
                return bodies.Count;
            }
        }

        bool GaveUp()
        {
            lock (said)
            {
                return said.Any(s => s.Contains("gave up", StringComparison.Ordinal));
            }
        }

        Assert.True(await watch.Monitor.TryAcceptAsync([WatchTests.PushedLog("a:0", false, "a"), WatchTests.PushedLog("a:1", false, "a")], token));
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromSeconds(1)); return Posted() == 3; }, token);
        Assert.True(await watch.Monitor.TryAcceptAsync([WatchTests.PushedLog("b:0", false, "b"), WatchTests.PushedLog("b:1", false, "b")], token));
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromSeconds(1)); return GaveUp(); }, token);
        clock.Advance(TimeSpan.FromMinutes(10));
        await watch.StopAsync();

        List<string> texts;
        lock (bodies)
        {
            texts = [.. bodies.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("text").GetString()!)];
        }

        // Three attempts for a's alert (two failed), four for b's that never got through, and no more.
        Assert.Equal(3, texts.Count(t => t.Contains("prod / a]", StringComparison.Ordinal)));
        Assert.Equal(4, texts.Count(t => t.Contains("prod / b]", StringComparison.Ordinal)));
    }
}
