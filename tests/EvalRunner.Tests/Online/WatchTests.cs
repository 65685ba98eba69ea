using System.Diagnostics;
using System.Text.Json;
using EvalRunner.Logs;
using EvalRunner.Online;
using EvalRunner.Runs;
using EvalRunner.Statistics;
using EvalRunner.Suites;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EvalRunner.Tests.Online;

/// <summary>`evalrunner watch` on real files: the CLI as a process, killed and started again, and the monitor in process.</summary>
public sealed class WatchTests
{
    private const string Pass = "{\"input\":\"can I get my money back?\",\"generated_response\":\"yes, a refund is possible\"}\n";
    private const string Failing = "{\"input\":\"can I get my money back?\",\"generated_response\":\"no\"}\n";

    [Fact(Timeout = 240000)]
    public async Task Every_log_is_evaluated_exactly_once_across_a_kill_a_restart_and_a_rotation()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [mean(contains.passed) >= 0.5]\nonline: {window: 100}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        var rows = Path.Combine(dir.Path, "out", "prod", "results.jsonl");
        File.WriteAllText(log, Repeat(Pass, 5));

        using (var first = Start(dir.Path))
        {
            await WaitForRowsAsync(first, rows, 5, token);
            File.AppendAllText(log, Repeat(Pass, 4) + "not json at all\n" + Pass);
            await WaitForRowsAsync(first, rows, 10, token);
            first.Kill();
            await first.WaitForExitAsync(token);
        }

        // While it is down: more logs; none is lost, none evaluated twice.
        File.AppendAllText(log, Repeat(Pass, 5));
        using var second = Start(dir.Path);
        await WaitForRowsAsync(second, rows, 15, token);

        // Rotation: the last lines of the old file, a rename, a new file at the path.
        File.AppendAllText(log, Repeat(Pass, 2));
        File.Move(log, log + ".1");
        File.WriteAllText(log, Repeat(Pass, 3));
        await WaitForRowsAsync(second, rows, 20, token);

        using (var term = Process.Start("kill", ["-TERM", second.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(token);
        }

        await second.WaitForExitAsync(token);
        var ids = File.ReadAllLines(rows).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("datapoint_id").GetString()!).ToList();
        Assert.Equal(20, ids.Count);
        Assert.Equal(20, ids.Distinct().Count());
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "prod", "run.json")), "a clean stop writes run.json");

        // The results directory reads like a run's.
        var report = await EvalRunnerCli.RunAsync(dir.Path, ["report", "out"], token);
        Assert.True(report.ExitCode == 0, report.StandardOutput + report.StandardError);
        Assert.Contains("prod", report.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_malformed_line_is_reported_with_its_file_and_line_and_the_watcher_goes_on()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        File.WriteAllText(log, Pass + "{\"input\": \"no response\"}\n" + Pass);
        var said = new List<string>();
        await using var watch = await InProcessWatch.StartAsync(Path.Combine(dir.Path, "prod.eval.yaml"), Path.Combine(dir.Path, "out"), log, token, s => { lock (said) { said.Add(s); } });
        var monitor = watch.Monitor;
        await watch.UntilAsync(() => monitor.Evaluated == 2, token);
        await watch.StopAsync();

        Assert.Equal(1, monitor.Malformed);
        Assert.Contains(said, s => s.Contains("app.jsonl:2: generated_response", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120000)]
    public async Task Pushed_logs_are_stored_before_they_are_acknowledged_and_a_restart_evaluates_each_once()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [contains.passed == true]\nonline: {}\n");
        var settings = new Settings(new Dictionary<string, string>());
        var suite = SuiteLoader.Load(suitePath, new SuiteLoadOptions { Settings = settings });
        var output = Path.Combine(dir.Path, "out");
        // Acknowledged while nothing evaluates (the watcher is not running yet): the logs are in the inbox only.
        using (var first = await OnlineMonitor.StartAsync(new RunEngine(settings), suite, output, _ => { }, token))
        {
            Assert.True(await first.TryAcceptAsync([PushedLog("http:r1:0", true), PushedLog("http:r1:1", false), PushedLog("http:r1:2", true)], token));
        }

        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, LogInbox.FileName)).Length);

        // The next start evaluates each acknowledged log once, and a log pushed again with a row is not evaluated again.
        await using (var second = await InProcessWatch.StartAsync(suitePath, output, null, token))
        {
            await second.UntilAsync(() => second.Monitor.Evaluated == 3, token);
            Assert.True(await second.Monitor.TryAcceptAsync([PushedLog("http:r1:1", false), PushedLog("http:r1:3", false)], token));
            await second.UntilAsync(() => second.Monitor.Evaluated == 4, token);
        }

        var rows = File.ReadAllLines(Path.Combine(output, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["http:r1:0", "http:r1:1", "http:r1:2", "http:r1:3"], rows.Select(r => r.GetProperty("datapoint_id").GetString()).Order());
        var first0 = rows.Single(r => r.GetProperty("datapoint_id").GetString() == "http:r1:0");
        Assert.Equal("prod-bot", first0.GetProperty("model_config").GetString());
        Assert.Equal("pass", first0.GetProperty("outcome").GetString());
        Assert.Equal("fail", rows.Single(r => r.GetProperty("datapoint_id").GetString() == "http:r1:1").GetProperty("outcome").GetString());

        // Restarted once more: the inbox holds nothing that still needs a row.
        await using (await InProcessWatch.StartAsync(suitePath, output, null, token))
        {
        }

        Assert.Empty(File.ReadAllLines(Path.Combine(output, LogInbox.FileName)));
        Assert.Equal(4, File.ReadAllLines(Path.Combine(output, "results.jsonl")).Length);
    }

    [Fact(Timeout = 240000)]
    public async Task Watch_listen_takes_logs_pushed_with_the_bearer_token_and_a_restart_keeps_each_once()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [contains.passed == true]\nonline: {}\n");
        var rows = Path.Combine(dir.Path, "out", "prod", "results.jsonl");
        using var http = new HttpClient();
        async Task<HttpResponseMessage> PushAsync(Uri logs, string body, string? bearer)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, logs) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/x-ndjson") };
            if (bearer is not null)
            {
                request.Headers.Authorization = new("Bearer", bearer);
            }

            return await http.SendAsync(request, token);
        }

        using (var first = StartListening(dir.Path, out var address))
        {
            var logs = new Uri(await address.WaitAsync(TimeSpan.FromSeconds(60), token), "logs");
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await PushAsync(logs, Pass, null)).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await PushAsync(logs, Pass + Failing, "push-secret-token-1234")).StatusCode);
            await WaitForRowsAsync(first, rows, 2, token);
            first.Kill();
            await first.WaitForExitAsync(token);
        }

        using (var second = StartListening(dir.Path, out var address))
        {
            var logs = new Uri(await address.WaitAsync(TimeSpan.FromSeconds(60), token), "logs");
            Assert.Equal(System.Net.HttpStatusCode.Accepted, (await PushAsync(logs, Pass, "push-secret-token-1234")).StatusCode);
            await WaitForRowsAsync(second, rows, 3, token);
            second.Kill();
            await second.WaitForExitAsync(token);
        }

        var written = File.ReadAllLines(rows).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, written.Select(r => r.GetProperty("datapoint_id").GetString()).Distinct().Count());
        Assert.Equal(["fail", "pass", "pass"], written.Select(r => r.GetProperty("outcome").GetString()).Order());
        Assert.DoesNotContain("push-secret-token-1234", string.Concat(Directory.GetFiles(Path.Combine(dir.Path, "out"), "*", SearchOption.AllDirectories).Select(File.ReadAllText)), StringComparison.Ordinal);
    }

    /// <summary>`evalrunner watch --listen 127.0.0.1:0` with a bearer token; <paramref name="address"/> completes with the bound root URL it prints.</summary>
    private static Process StartListening(string directory, out Task<Uri> address)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { EvalRunnerCli.Path, "watch", "prod.eval.yaml", "--listen", "127.0.0.1:0", "--listen-token-env", "PUSH_TOKEN", "--out", "out" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PUSH_TOKEN"] = "push-secret-token-1234";
        var bound = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && System.Text.RegularExpressions.Regex.Match(text, @"(http://127\.0\.0\.1:\d+/)logs") is { Success: true } match)
            {
                bound.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.Exited += (_, _) => bound.TrySetException(new InvalidOperationException("the watcher exited before it listened"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        address = bound.Task;
        return process;
    }

    [Fact(Timeout = 120000)]
    public async Task A_log_with_its_own_id_is_known_by_it_and_evaluated_once_and_logs_without_one_by_their_place()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        const string Own = "{\"id\":\"conv-7\",\"input\":\"can I get my money back?\",\"generated_response\":\"yes, a refund\"}\n";
        File.WriteAllText(log, Own + Pass + Own + Pass);
        await using var watch = await InProcessWatch.StartAsync(Path.Combine(dir.Path, "prod.eval.yaml"), Path.Combine(dir.Path, "out"), log, token);
        var monitor = watch.Monitor;
        await watch.UntilAsync(() => monitor.Evaluated == 3, token);
        await watch.StopAsync();

        var ids = File.ReadAllLines(Path.Combine(dir.Path, "out", "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("datapoint_id").GetString()!).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Single(ids, id => id == "conv-7");
        Assert.Equal(2, ids.Count(id => id != "conv-7" && id.Contains("app.jsonl", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 120000)]
    public async Task A_truncated_file_is_read_again_from_its_start_and_its_new_logs_are_evaluated()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        File.WriteAllText(log, Repeat(Pass, 4));
        await using var watch = await InProcessWatch.StartAsync(Path.Combine(dir.Path, "prod.eval.yaml"), Path.Combine(dir.Path, "out"), log, token);
        var monitor = watch.Monitor;
        await watch.UntilAsync(() => monitor.Evaluated == 4, token);

        // Truncated in place (copytruncate log rotation) and written again: shorter than what was read.
        File.WriteAllText(log, Repeat(Failing, 2));
        await watch.UntilAsync(() => monitor.Evaluated == 6, token);
        await watch.StopAsync();

        var rows = File.ReadAllLines(Path.Combine(dir.Path, "out", "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(6, rows.Select(r => r.GetProperty("datapoint_id").GetString()).Distinct().Count());
        Assert.Equal(2, rows.Count(r => r.GetProperty("log").GetProperty("generated_response").GetString() == "no"));
    }

    [Fact(Timeout = 180000)]
    public async Task Report_since_covers_only_the_recent_logs_of_a_watch_and_decides_them_again()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [mean(contains.passed) >= 0.5]\nonline: {}\n");
        var now = TimeProvider.System.GetUtcNow();
        // Three hours ago three failing logs; ten minutes ago two passing ones.
        await using (var watch = await InProcessWatch.StartAsync(suitePath, Path.Combine(dir.Path, "out", "prod"), null, token))
        {
            Assert.True(await watch.Monitor.TryAcceptAsync([PushedLog("http:r1:0", false, at: now.AddHours(-3)), PushedLog("http:r1:1", false, at: now.AddHours(-3)), PushedLog("http:r1:2", false, at: now.AddHours(-3)), PushedLog("http:r1:3", true, at: now.AddMinutes(-10)), PushedLog("http:r1:4", true, at: now.AddMinutes(-10))], token));
            await watch.UntilAsync(() => watch.Monitor.Evaluated == 5, token);
        }

        var all = await EvalRunnerCli.RunAsync(dir.Path, ["report", "out", "--fail-on", "thresholds"], token);
        var recent = await EvalRunnerCli.RunAsync(dir.Path, ["report", "out", "--fail-on", "thresholds", "--since", "1h"], token);
        var bad = await EvalRunnerCli.RunAsync(dir.Path, ["report", "out", "--since", "soon"], token);

        Assert.True(all.ExitCode == 1, all.StandardOutput + all.StandardError);
        Assert.True(recent.ExitCode == 0, recent.StandardOutput + recent.StandardError);
        Assert.True(recent.StandardOutput.Contains("| prod | ✅ pass | 2 | 2 | 0 | 0 |", StringComparison.Ordinal), recent.StandardOutput);
        Assert.Contains("this report covers the logs from", recent.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--since 'soon' is not a duration", bad.StandardError + bad.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task The_status_line_says_throughput_lag_and_queue_depth_every_five_seconds_of_the_watchers_clock()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var log = dir.File("app.jsonl", Repeat(Pass, 3));
        var said = new List<string>();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
        await using var watch = await InProcessWatch.StartAsync(Path.Combine(dir.Path, "prod.eval.yaml"), Path.Combine(dir.Path, "out"), log, token, s => { lock (said) { said.Add(s); } }, clock);

        // The watcher polls on its own clock: each step of the fake clock lets it read once more.
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 3; }, token);
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromSeconds(1)); lock (said) { return said.Any(s => s.StartsWith("watch: 3 ", StringComparison.Ordinal)); } }, token);

        string status;
        lock (said)
        {
            status = said.First(s => s.StartsWith("watch: 3 ", StringComparison.Ordinal));
        }

        Assert.Matches(@"^watch: 3 logs evaluated \([0-9.]+/s\); lag: 0 logs waiting \(0 queued, 0 in flight\) and 0 bytes not read yet; 0 malformed$", status);
    }

    [Fact(Timeout = 120000)]
    public async Task A_pushed_burst_larger_than_the_queue_can_hold_gets_413_one_larger_than_its_free_room_gets_429_and_every_log_is_evaluated_once_after_retries()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var settings = new Settings(new Dictionary<string, string>());
        var suite = SuiteLoader.Load(suitePath, new SuiteLoadOptions { Settings = settings });
        var output = Path.Combine(dir.Path, "out");
        static string Logs(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i => $"{{\"id\":\"b{i}\",\"input\":\"can I get my money back?\",\"generated_response\":\"yes, a refund\"}}\n"));

        // A queue of 4 and nothing evaluating yet: the queue fills.
        using var monitor = await OnlineMonitor.StartAsync(new RunEngine(settings), suite, output, _ => { }, token, queueCapacity: 4);
        await using var listener = await EvalRunner.Cli.Online.LogListener.StartAsync(
            new EvalRunner.Cli.Online.LogListenerOptions { Endpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) }, monitor, parse: null, token);
        using var http = new HttpClient();
        async Task<HttpResponseMessage> PushAsync(string body) =>
            await http.PostAsync(new Uri(listener.Address, "logs"), new StringContent(body, System.Text.Encoding.UTF8, "application/x-ndjson"), token);

        // More logs than the queue can ever hold: 413 with the limit, never 429 (a client that obeys Retry-After would loop).
        var burst = await PushAsync(Logs(0, 6));
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, burst.StatusCode);
        Assert.Null(burst.Headers.RetryAfter);
        Assert.Contains("at most 4 logs", await burst.Content.ReadAsStringAsync(token), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await PushAsync(Logs(0, 4))).StatusCode);
        var full = await PushAsync(Logs(4, 2));
        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, full.StatusCode);
        Assert.NotNull(full.Headers.RetryAfter);

        // The evaluators drain the queue; the client retries what was refused until it is taken.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var watching = monitor.WatchAsync(null, TimeSpan.FromMilliseconds(20), stop.Token);
        while ((await PushAsync(Logs(4, 2))).StatusCode != System.Net.HttpStatusCode.Accepted)
        {
            Assert.False(watching.IsCompleted, "the watcher stopped");
            await Task.Delay(20, token);
        }

        while (monitor.Evaluated < 6)
        {
            Assert.False(watching.IsCompleted, "the watcher stopped");
            await Task.Delay(20, token);
        }

        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await PushAsync(Logs(0, 6))).StatusCode);
        await stop.CancelAsync();
        await watching;

        var ids = File.ReadAllLines(Path.Combine(output, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("datapoint_id").GetString()).ToList();
        Assert.Equal(["b0", "b1", "b2", "b3", "b4", "b5"], ids.Order());
    }

    [Fact(Timeout = 120000)]
    public async Task Each_model_config_has_its_own_window_and_only_the_failing_one_alerts()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [mean(contains.passed) >= 0.5]\nonline: {window: 4, min_logs: 4, alerts: {file: alerts.jsonl}}\n");
        await using (var watch = await InProcessWatch.StartAsync(suitePath, Path.Combine(dir.Path, "out"), null, token))
        {
            // Interleaved: all of the old model's logs pass, none of the new one's; together they would be 0.5 and pass.
            var logs = Enumerable.Range(0, 4).SelectMany(i => new[] { PushedLog($"bot-old:{i}", true, "bot-old"), PushedLog($"bot-new:{i}", false, "bot-new") }).ToList();
            Assert.True(await watch.Monitor.TryAcceptAsync(logs, token));
            await watch.UntilAsync(() => watch.Monitor.Evaluated == 8, token);
        }

        var alerts = File.ReadAllLines(Path.Combine(dir.Path, "alerts.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var alert = Assert.Single(alerts);
        Assert.Equal("bot-new", alert.GetProperty("model_config").GetString());
        Assert.Equal("breach", alert.GetProperty("state").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task A_rolling_metric_over_its_threshold_and_back_gives_one_alert_and_one_clear_also_on_the_webhook()
    {
        var token = TestContext.Current.CancellationToken;
        var posted = new List<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapPost("/hook", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body);
                var body = await reader.ReadToEndAsync();
                lock (posted)
                {
                    posted.Add(body);
                }

                return TypedResults.Ok();
            });
        await app.StartAsync(token);
        await using var _ = app;
        var url = app.Urls.First().TrimEnd('/') + "/";
        using var dir = new TempDirectory();
        dir.File(
            "prod.eval.yaml",
            "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [mean(contains.passed) >= 0.5]\nrun: {concurrency: 1}\n"
            + $"online: {{window: 4, min_logs: 4, alerts: {{file: alerts.jsonl, webhook: '{url}hook', cooldown: 0s}}}}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        File.WriteAllText(log, string.Empty);
        await using var watch = await InProcessWatch.StartAsync(Path.Combine(dir.Path, "prod.eval.yaml"), Path.Combine(dir.Path, "out"), log, token);
        var monitor = watch.Monitor;
        var alerts = Path.Combine(dir.Path, "alerts.jsonl");

        File.AppendAllText(log, Repeat(Pass, 4));
        await watch.UntilAsync(() => monitor.Evaluated == 4, token);
        File.AppendAllText(log, Repeat(Failing, 6));
        await watch.UntilAsync(() => monitor.Evaluated == 10 && File.Exists(alerts), token);
        File.AppendAllText(log, Repeat(Pass, 6));
        await watch.UntilAsync(() => monitor.Evaluated == 16 && File.ReadAllLines(alerts).Length == 2, token);
        await watch.StopAsync();

        var states = File.ReadAllLines(alerts).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("state").GetString()).ToList();
        Assert.Equal(["breach", "clear"], states);
        Assert.Equal(2, posted.Count);
        Assert.Contains("ALERT", JsonDocument.Parse(posted[0]).RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Contains("cleared", JsonDocument.Parse(posted[1]).RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sampling_by_log_id_is_stable_and_takes_about_its_share()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => $"app.jsonl#1.2:{i * 40}").ToList();
        var taken = ids.Count(id => Sampling.Sampled(id, 0.1));

        Assert.InRange(taken, 120, 280);
        Assert.All(ids, id => Assert.Equal(Sampling.Sampled(id, 0.1), Sampling.Sampled(id, 0.1)));
    }

    /// <summary>A log as a service pushes it: the refund question, answered well (<paramref name="pass"/>) or not.</summary>
    internal static IncomingLog PushedLog(string id, bool pass, string model = "prod-bot", DateTimeOffset? at = null) => new()
    {
        Id = id,
        Datapoint = new EvalRunner.Datasets.Datapoint { Id = id, Messages = [new(Microsoft.Extensions.AI.ChatRole.User, "can I get my money back?")], Tags = ["pushed"] },
        Log = new EvalRunner.Logs.Log { ModelConfig = model, Model = model, Response = pass ? "yes, a refund" : "no", LatencyMs = 120, InputTokens = 9, Timestamp = at },
    };

    internal static string Repeat(string line, int count) => string.Concat(Enumerable.Repeat(line, count));

    private static Process Start(string directory)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { EvalRunnerCli.Path, "watch", "prod.eval.yaml", "--logs", "app.jsonl", "--out", "out", "--poll", "50ms" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForRowsAsync(Process process, string rows, int count, CancellationToken cancellationToken)
    {
        while (!File.Exists(rows) || File.ReadAllLines(rows).Count(l => l.EndsWith('}')) < count)
        {
            Assert.False(process.HasExited, $"the watcher exited with {(process.HasExited ? process.ExitCode : 0)} before {count} rows");
            await Task.Delay(50, cancellationToken);
        }

        Assert.Equal(count, File.ReadAllLines(rows).Length);
    }
}
