using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Online;

/// <summary>
/// <c>evalrunner watch --shard I/N</c>: several watcher processes over the same log files, each evaluating the logs whose
/// trace id (else log id) hashes to its shard, and <c>evalrunner report</c> over their results folders.
/// </summary>
public sealed class WatchShardTests
{
    private const string Suite = "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [mean(contains.passed) >= 0.5]\nonline: {window: 1000}\n";

    [Fact(Timeout = 240000)]
    public async Task Two_shard_watchers_over_the_same_files_evaluate_every_log_once_in_its_hashed_shard_and_their_report_matches_one_watchers()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite);
        // Logs with a trace id (two logs of each trace), with an id only, and with neither; in two files.
        var a = string.Concat(Enumerable.Range(0, 60).Select(i => (i % 3) switch
        {
            0 => Log(i, trace: TraceId(i / 6)),
            1 => Log(i, id: $"conv-{i}"),
            _ => Log(i),
        }));
        dir.File("logs/a.jsonl", a + "not json\n");
        dir.File("logs/b.jsonl", string.Concat(Enumerable.Range(60, 30).Select(i => Log(i))));
        const int Total = 90;

        var one = StartWatch(dir.Path, "whole", null);
        var first = StartWatch(dir.Path, "shard1", "1/2");
        var second = StartWatch(dir.Path, "shard2", "2/2");
        try
        {
            await UntilAsync(() => Rows(dir.Path, "whole").Count == Total && Rows(dir.Path, "shard1").Count + Rows(dir.Path, "shard2").Count == Total, [one, first, second], token);
            await StopAsync([one, first, second], token);
        }
        finally
        {
            KillAll([one, first, second]);
        }

        var shards = new[] { Rows(dir.Path, "shard1"), Rows(dir.Path, "shard2") };
        var union = shards.SelectMany(s => s).Select(r => r.GetProperty("datapoint_id").GetString()!).ToList();
        Assert.Equal(Total, union.Count);
        Assert.Equal(Total, union.Distinct().Count());
        Assert.Equal(Rows(dir.Path, "whole").Select(r => r.GetProperty("datapoint_id").GetString()).Order(), union.Order());
        for (var index = 1; index <= 2; index++)
        {
            Assert.NotEmpty(shards[index - 1]);
            foreach (var row in shards[index - 1])
            {
                // The trace id decides when the log has one, else the log's id.
                var trace = row.GetProperty("log").TryGetProperty("trace_id", out var t) ? t.GetString() : null;
                var key = trace ?? row.GetProperty("datapoint_id").GetString()!;
                Assert.Equal(index, Shard.Of(key, 2));
                Assert.True(row.GetProperty("arrived_at").GetDateTimeOffset() <= row.GetProperty("evaluated_at").GetDateTimeOffset(), row.ToString());
            }

            var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "shard" + index, "prod", "run.json"))).RootElement;
            Assert.Equal(index, run.GetProperty("shard").GetProperty("index").GetInt32());
            Assert.Equal(2, run.GetProperty("shard").GetProperty("count").GetInt32());
        }

        // The two logs of each trace went to one shard together.
        var traces = shards.SelectMany((rows, i) => rows.Where(r => r.GetProperty("log").TryGetProperty("trace_id", out _)).Select(r => (Trace: r.GetProperty("log").GetProperty("trace_id").GetString(), Shard: i))).ToList();
        Assert.Equal(20, traces.Count);
        Assert.All(traces.GroupBy(t => t.Trace), g => Assert.Single(g.Select(t => t.Shard).Distinct()));

        // One report over both watchers' results: the same rows, pass rate and aggregates as the one watcher's.
        foreach (var since in new[] { Array.Empty<string>(), ["--since", "1h"] })
        {
            var whole = await EvalRunnerCli.RunAsync(dir.Path, ["report", "whole", "--fail-on", "thresholds", .. since], token);
            var joined = await EvalRunnerCli.RunAsync(dir.Path, ["report", "shard1", "shard2", "--fail-on", "thresholds", .. since], token);
            Assert.True(joined.ExitCode == whole.ExitCode, joined.StandardOutput + joined.StandardError);
            Assert.Equal(TableLines(whole.StandardOutput), TableLines(joined.StandardOutput));
            Assert.Contains("| prod | ✅ pass | 90 |", joined.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("mean\\(contains.passed\\)", joined.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 240000)]
    public async Task A_shard_watcher_killed_mid_stream_and_restarted_loses_no_log_and_the_shards_evaluate_each_once()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite);
        var log = dir.File("logs/app.jsonl", string.Concat(Enumerable.Range(0, 20).Select(i => Log(i, id: $"log-{i}"))));
        var written = 20;
        void Append(int count, bool withIds)
        {
            File.AppendAllText(log, string.Concat(Enumerable.Range(written, count).Select(i => withIds ? Log(i, id: $"log-{i}") : Log(i))));
            written += count;
        }

        var first = StartWatch(dir.Path, "shard1", "1/2");
        var second = StartWatch(dir.Path, "shard2", "2/2");
        try
        {
            await UntilAsync(() => Rows(dir.Path, "shard1").Count + Rows(dir.Path, "shard2").Count == 20, [first, second], token);

            // A burst, and shard 1 killed (SIGKILL) as soon as it has written a row of it: mid-stream.
            var before = Rows(dir.Path, "shard1").Count;
            Append(5000, withIds: true);
            await UntilAsync(() => Rows(dir.Path, "shard1").Count > before, [first, second], token);
            first.Kill();
            await first.WaitForExitAsync(token);

            // More logs while it is down, some without ids; then it starts again.
            Append(30, withIds: false);
            first.Dispose();
            first = StartWatch(dir.Path, "shard1", "1/2");
            await UntilAsync(() => Rows(dir.Path, "shard1").Count + Rows(dir.Path, "shard2").Count == written, [first, second], token);
            await StopAsync([first, second], token);
        }
        finally
        {
            KillAll([first, second]);
        }

        var ids = Rows(dir.Path, "shard1").Concat(Rows(dir.Path, "shard2")).Select(r => r.GetProperty("datapoint_id").GetString()!).ToList();
        Assert.Equal(written, ids.Count);
        Assert.Equal(written, ids.Distinct().Count());
        for (var index = 1; index <= 2; index++)
        {
            Assert.All(Rows(dir.Path, "shard" + index), r => Assert.Equal(index, Shard.Of(r.GetProperty("datapoint_id").GetString()!, 2)));
        }

        Assert.Equal(5020, ids.Count(id => id.StartsWith("log-", StringComparison.Ordinal)));
    }

    [Theory(Timeout = 60000)]
    [InlineData("0/2", "--shard '0/2': the shard's number I must be from 1 to N (2); shards are numbered from 1")]
    [InlineData("3/2", "--shard '3/2': the shard's number I must be from 1 to N (2)")]
    [InlineData("2", "--shard '2' is not I/N, the shard's number and the number of shards (e.g. 1/3)")]
    [InlineData("1/0", "--shard '1/0': the number of shards N must be from 1 to 1000")]
    public async Task A_bad_shard_is_refused_as_run_refuses_it(string shard, string message)
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite);
        dir.File("app.jsonl", Log(0));

        var watch = await EvalRunnerCli.RunAsync(dir.Path, ["watch", "prod.eval.yaml", "--logs", "app.jsonl", "--shard", shard], token);
        var run = await EvalRunnerCli.RunAsync(dir.Path, ["run", "prod.eval.yaml", "--shard", shard, "--dry-run"], token);

        Assert.Equal(2, watch.ExitCode);
        Assert.Contains($"error: {message}", watch.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", watch.StandardError, StringComparison.Ordinal);
        Assert.Equal(run.StandardError, watch.StandardError);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "evalrunner-results")));
    }

    [Fact(Timeout = 120000)]
    public async Task Pushed_logs_are_all_taken_by_a_shard_watcher_and_keep_their_trace_id()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite);
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { EvalRunnerCli.Path, "watch", "prod.eval.yaml", "--listen", "127.0.0.1:0", "--out", "pushed", "--shard", "1/2" })
        {
            start.ArgumentList.Add(argument);
        }

        var bound = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = Process.Start(start)!;
        watcher.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && System.Text.RegularExpressions.Regex.Match(text, @"(http://127\.0\.0\.1:\d+/)logs") is { Success: true } match)
            {
                bound.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        watcher.ErrorDataReceived += (_, _) => { };
        watcher.BeginOutputReadLine();
        watcher.BeginErrorReadLine();
        try
        {
            var address = await bound.Task.WaitAsync(TimeSpan.FromSeconds(60), token);
            // Ids of both shards: a watcher behind a router takes what it is sent.
            var body = string.Concat(Enumerable.Range(0, 10).Select(i => Log(i, id: $"p-{i}", trace: TraceId(100 + i))));
            Assert.Contains(Enumerable.Range(0, 10), i => Shard.Of(TraceId(100 + i), 2) == 2);
            using var http = new HttpClient();
            using var response = await http.PostAsync(new Uri(address, "logs"), new StringContent(body, System.Text.Encoding.UTF8, "application/x-ndjson"), token);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
            await UntilAsync(() => Rows(dir.Path, "pushed").Count == 10, [watcher], token);
            await StopAsync([watcher], token);
        }
        finally
        {
            KillAll([watcher]);
        }

        var rows = Rows(dir.Path, "pushed");
        Assert.Equal(Enumerable.Range(0, 10).Select(i => TraceId(100 + i)).Order(), rows.Select(r => r.GetProperty("log").GetProperty("trace_id").GetString()).Order());
    }

    [Fact(Timeout = 120000)]
    public async Task An_OpenTelemetry_chat_span_becomes_a_log_with_its_trace_id_the_key_of_its_shard()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite);
        const string Trace = "5b8efff798038103d269b633813fc60c";
        static string Attribute(string key, string value) => $$$"""{"key":"{{{key}}}","value":{"stringValue":{{{JsonSerializer.Serialize(value)}}}}}""";
        var attributes = string.Join(
            ',',
            Attribute("gen_ai.operation.name", "chat"),
            Attribute("gen_ai.request.model", "gpt-4o-mini"),
            Attribute("gen_ai.input.messages", """[{"role":"user","parts":[{"type":"text","content":"can I get my money back?"}]}]"""),
            Attribute("gen_ai.output.messages", """[{"role":"assistant","parts":[{"type":"text","content":"yes, a refund"}],"finish_reason":"stop"}]"""));
        var body = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"scope":{"name":"MyApp.Chat"},"spans":[
              {"traceId":"{{{Trace}}}","spanId":"eee19b7ec3c1b174","parentSpanId":"","name":"chat gpt-4o-mini","kind":3,
               "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000840000000","attributes":[{{{attributes}}}],"status":{}}
            ]}]}]}
            """;
        using var watcher = StartListening(dir.Path, "otlp", out var bound);
        try
        {
            var address = await bound.WaitAsync(TimeSpan.FromSeconds(60), token);
            using var http = new HttpClient();
            using var response = await http.PostAsync(new Uri(address, "v1/traces"), new StringContent(body, System.Text.Encoding.UTF8, "application/json"), token);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            await UntilAsync(() => Rows(dir.Path, "otlp").Count == 1, [watcher], token);
            await StopAsync([watcher], token);
        }
        finally
        {
            KillAll([watcher]);
        }

        var row = Assert.Single(Rows(dir.Path, "otlp"));
        Assert.Equal($"otlp:{Trace}:eee19b7ec3c1b174", row.GetProperty("datapoint_id").GetString());
        Assert.True(row.GetProperty("log").TryGetProperty("trace_id", out var trace), row.ToString());
        Assert.Equal(Trace, trace.GetString());
    }

    /// <summary>`evalrunner watch --listen 127.0.0.1:0 --shard 1/2`; <paramref name="address"/> completes with the bound root URL it prints.</summary>
    private static Process StartListening(string directory, string output, out Task<Uri> address)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { EvalRunnerCli.Path, "watch", "prod.eval.yaml", "--listen", "127.0.0.1:0", "--out", output, "--shard", "1/2" })
        {
            start.ArgumentList.Add(argument);
        }

        var bound = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var watcher = Process.Start(start)!;
        watcher.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && System.Text.RegularExpressions.Regex.Match(text, @"(http://127\.0\.0\.1:\d+/)logs") is { Success: true } match)
            {
                bound.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        watcher.ErrorDataReceived += (_, _) => { };
        watcher.BeginOutputReadLine();
        watcher.BeginErrorReadLine();
        address = bound.Task;
        return watcher;
    }

    [Fact(Timeout = 180000)]
    public async Task A_log_id_in_two_watchers_results_is_reported_and_counted_once()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite);
        dir.File("a.jsonl", Log(0, id: "x") + Log(1, id: "y"));
        dir.File("b.jsonl", Log(1, id: "y") + Log(2, id: "z"));
        var watchers = new[] { StartWatch(dir.Path, "outa", null, "a.jsonl"), StartWatch(dir.Path, "outb", null, "b.jsonl") };
        try
        {
            await UntilAsync(() => Rows(dir.Path, "outa").Count == 2 && Rows(dir.Path, "outb").Count == 2, watchers, token);
            await StopAsync(watchers, token);
        }
        finally
        {
            KillAll(watchers);
        }

        var report = await EvalRunnerCli.RunAsync(dir.Path, ["report", "outa", "outb"], token);

        Assert.True(report.ExitCode == 0, report.StandardOutput + report.StandardError);
        Assert.Contains("| prod | ✅ pass | 3 |", report.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 log id is in the results of two watchers, counted once from the first folder given: 'y' in outa", report.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_malformed_log_is_reported_once_by_the_watcher_of_the_shard_its_trace_id_hashes_to()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", Suite);
        // Logs whose trace id is readable but whose input is not a string: each is malformed, and belongs to its trace's shard.
        var traces = Enumerable.Range(0, 40).Select(TraceId).ToList();
        var log = dir.File("app.jsonl", string.Concat(traces.Select(t => $"{{\"trace_id\":\"{t}\",\"input\":5,\"generated_response\":\"yes, a refund\"}}\n")));
        var settings = new Settings(new Dictionary<string, string>());
        var suite = EvalRunner.Suites.SuiteLoader.Load(suitePath, new EvalRunner.Suites.SuiteLoadOptions { Settings = settings });
        var said = new[] { new List<string>(), new List<string>() };
        var monitors = new List<EvalRunner.Online.OnlineMonitor>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var watching = new List<Task<EvalRunner.Results.RunResult>>();
        for (var index = 1; index <= 2; index++)
        {
            var heard = said[index - 1];
            var monitor = await EvalRunner.Online.OnlineMonitor.StartAsync(
                new EvalRunner.Runs.RunEngine(settings), suite, Path.Combine(dir.Path, "out" + index), s => { lock (heard) { heard.Add(s); } }, token, shard: new Shard { Index = index, Count = 2 });
            monitors.Add(monitor);
            watching.Add(monitor.WatchAsync(log, TimeSpan.FromMilliseconds(20), stop.Token));
        }

        while (monitors.Sum(m => m.Malformed) < traces.Count)
        {
            Assert.DoesNotContain(watching, w => w.IsCompleted);
            await Task.Delay(20, token);
        }

        await stop.CancelAsync();
        await Task.WhenAll(watching);
        monitors.ForEach(m => m.Dispose());

        for (var index = 1; index <= 2; index++)
        {
            var expected = Enumerable.Range(1, traces.Count).Where(line => Shard.Of(traces[line - 1], 2) == index).Select(line => $"app.jsonl:{line}:").ToList();
            var reported = said[index - 1].Where(s => s.StartsWith("skipped:", StringComparison.Ordinal)).ToList();
            Assert.Equal(expected.Count, reported.Count);
            Assert.All(expected, place => Assert.Single(reported, s => s.Contains(place, StringComparison.Ordinal)));
            Assert.Equal(expected.Count, monitors[index - 1].Malformed);
        }
    }

    /// <summary>A W3C trace id (32 hex digits) of its own for each number.</summary>
    private static string TraceId(int n) => (n + 1).ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>One JSONL log: the refund question answered well (every third answer is not).</summary>
    private static string Log(int i, string? id = null, string? trace = null)
    {
        var fields = new List<string>();
        if (id is not null)
        {
            fields.Add($"\"id\":\"{id}\"");
        }

        if (trace is not null)
        {
            fields.Add($"\"trace_id\":\"{trace}\"");
        }

        fields.Add(string.Create(CultureInfo.InvariantCulture, $"\"input\":\"can I get my money back? ({i})\""));
        fields.Add($"\"generated_response\":\"{(i % 3 == 2 ? "no" : "yes, a refund is possible")}\"");
        return "{" + string.Join(",", fields) + "}\n";
    }

    /// <summary>The whole rows of a watcher's results so far.</summary>
    private static List<JsonElement> Rows(string directory, string output)
    {
        var path = Path.Combine(directory, output, "prod", "results.jsonl");
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n').Where(l => l.EndsWith('}')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
    }

    /// <summary>The suite rows of a Markdown report's tables (verdict, aggregates, model configs).</summary>
    private static List<string> TableLines(string markdown) =>
        [.. markdown.Split('\n').Where(l => l.StartsWith("| prod |", StringComparison.Ordinal))];

    private static Process StartWatch(string directory, string output, string? shard, string logs = "logs/*.jsonl")
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments = [EvalRunnerCli.Path, "watch", "prod.eval.yaml", "--logs", logs, "--out", output, "--poll", "50ms", .. shard is null ? Array.Empty<string>() : ["--shard", shard]];
        foreach (var argument in arguments)
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

    /// <summary>Polls until <paramref name="condition"/> holds; fails at once when a watcher exited.</summary>
    private static async Task UntilAsync(Func<bool> condition, Process[] watchers, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            foreach (var watcher in watchers)
            {
                Assert.False(watcher.HasExited, $"a watcher exited with {(watcher.HasExited ? watcher.ExitCode : 0)}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Stops each watcher as SIGTERM does (a clean stop writes run.json) and waits for it.</summary>
    private static async Task StopAsync(Process[] watchers, CancellationToken cancellationToken)
    {
        foreach (var watcher in watchers)
        {
            using var term = Process.Start("kill", ["-TERM", watcher.Id.ToString(CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync(cancellationToken);
        }

        foreach (var watcher in watchers)
        {
            await watcher.WaitForExitAsync(cancellationToken);
            Assert.Equal(0, watcher.ExitCode);
        }
    }

    private static void KillAll(Process[] watchers)
    {
        foreach (var watcher in watchers)
        {
            if (!watcher.HasExited)
            {
                watcher.Kill();
            }

            watcher.Dispose();
        }
    }
}
