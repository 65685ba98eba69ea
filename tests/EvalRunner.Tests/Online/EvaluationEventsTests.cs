using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using EvalRunner.Cli.Online.Otlp;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace EvalRunner.Tests.Online;

/// <summary>
/// Evaluation results out as OpenTelemetry <c>gen_ai.evaluation.result</c> events: the CLI as a process exporting
/// over OTLP/HTTP to a receiver on 127.0.0.1, which the test decodes.
/// </summary>
public sealed class EvaluationEventsTests
{
    private const string EventName = "gen_ai.evaluation.result";

    // A Python evaluator with a score, a bool and a reason that is far too long: the event's explanation is capped.
    private const string Python =
        "  - name: quality\n    type: python\n    columns: {score: float, passed: bool, reason: string}\n    code: |\n"
        + "      def main(input, output, context, full_history, generated_response, **kwargs):\n"
        + "          return {'score': 0.5, 'passed': True, 'reason': 'because ' + generated_response + ' ' + 'x' * 100000}\n";

    [Fact(Timeout = 120_000)]
    public async Task A_watched_chat_span_gets_one_evaluation_event_per_evaluator_on_its_own_trace_and_span()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await FakeOtlpReceiver.StartAsync(ct);
        await using var model = await FakeOpenAIServer.StartAsync(ct);
        model.Respond = _ => "Paris is the capital of France.";
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators:\n  - {type: contains, value: Paris}\n" + Python + "online: {}\n");
        using var watcher = StartWatch(dir.Path, ["--otlp", receiver.BaseUrl.ToString()], out var address);
        var root = await address.WaitAsync(TimeSpan.FromSeconds(60), ct);

        // The chat span's own ids, as the application's tracer made them.
        var sourceName = "EvalRunner.Tests.Events." + Guid.NewGuid().ToString("N");
        var chats = new List<Activity>();
        using var spy = new ActivityListener
        {
            ShouldListenTo = s => s.Name == sourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (chats)
                {
                    chats.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(spy);
        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(sourceName)
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri(root, "v1/traces");
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();
        var inner = new OpenAI.Chat.ChatClient("gpt-4o-mini", new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = model.BaseUrl }).AsIChatClient();
        using var client = new ChatClientBuilder(inner).UseOpenTelemetry(sourceName: sourceName, configure: c => c.EnableSensitiveData = true).Build();
        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "What is the capital of France?")], cancellationToken: ct);
        Assert.True(tracerProvider.ForceFlush(30_000));
        var chat = Assert.Single(chats);

        await UntilAsync(watcher, () => Events(receiver).Count >= 2, ct);
        var events = Events(receiver);
        Assert.Equal(2, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal(EventName, e.Record.EventName);
            Assert.Equal(chat.TraceId.ToHexString(), Convert.ToHexStringLower(e.Record.TraceId.Span));
            Assert.Equal(chat.SpanId.ToHexString(), Convert.ToHexStringLower(e.Record.SpanId.Span));
            Assert.Equal("prod", Text(e, "evalrunner.suite"));
            Assert.Equal("gpt-4o-mini", Text(e, "evalrunner.model_config"));
            Assert.Equal($"otlp:{chat.TraceId.ToHexString()}:{chat.SpanId.ToHexString()}", Text(e, "evalrunner.datapoint_id"));
        });
        var contains = Assert.Single(events, e => Text(e, "gen_ai.evaluation.name") == "contains");
        Assert.Equal(1.0, contains.Attributes["gen_ai.evaluation.score.value"].DoubleValue);
        Assert.Equal("pass", Text(contains, "gen_ai.evaluation.score.label"));
        var quality = Assert.Single(events, e => Text(e, "gen_ai.evaluation.name") == "quality");
        Assert.Equal(0.5, quality.Attributes["gen_ai.evaluation.score.value"].DoubleValue);
        Assert.Equal("pass", Text(quality, "gen_ai.evaluation.score.label"));
        Assert.StartsWith("because Paris is the capital of France. xxx", Text(quality, "gen_ai.evaluation.explanation"), StringComparison.Ordinal);
        Assert.InRange(Encoding.UTF8.GetByteCount(Text(quality, "gen_ai.evaluation.explanation")!), 1, 4096);

        // The watcher's own listener takes the events (they are not GenAI chat events) without evaluating them.
        using (var http = new HttpClient())
        using (var content = new ByteArrayContent(receiver.Accepted("/v1/logs")[0]))
        {
            content.Headers.ContentType = new("application/x-protobuf");
            using var answer = await http.PostAsync(new Uri(root, "v1/logs"), content, ct);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "And of Italy?")], cancellationToken: ct);
        Assert.True(tracerProvider.ForceFlush(30_000));
        await UntilAsync(watcher, () => Events(receiver).Count >= 4, ct);
        await StopAsync(watcher, ct);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir.Path, "out", "prod", "results.jsonl")).Length);
        Assert.Equal(4, Events(receiver).Count);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_run_with_an_export_section_emits_one_event_per_evaluator_per_row_and_keeps_the_header_secret()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await FakeOtlpReceiver.StartAsync(ct);
        using var dir = new TempDirectory();
        const string Secret = "otlp-header-secret-5678";
        dir.File(
            "cases.jsonl",
            "{\"id\":\"a\",\"input\":\"refund?\",\"generated_response\":\"a refund is possible\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"span_id\":\"b7ad6b7169203331\",\"response_id\":\"chatcmpl-42\"}\n"
            + "{\"id\":\"b\",\"input\":\"refund?\",\"generated_response\":\"no\"}\n"
            + "{\"id\":\"c\",\"input\":\"refund?\",\"generated_response\":\"a refund, key " + Secret + "\"}\n");
        dir.File(
            "shop.eval.yaml",
            "name: shop\ndataset: cases.jsonl\nevaluators:\n  - {type: contains, value: refund}\n" + Python
            + "export:\n  otlp: " + receiver.BaseUrl + "\n  headers: {x-otlp-key: \"${OTLP_KEY}\"}\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", "shop.eval.yaml", "--out", "out"], ct, env => env.Set("OTLP_KEY", Secret));

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var events = Events(receiver);
        Assert.Equal(6, events.Count);
        Assert.All(events, e => Assert.Equal(EventName, e.Record.EventName));
        Assert.Equal(
            ["a/contains", "a/quality", "b/contains", "b/quality", "c/contains", "c/quality"],
            events.Select(e => $"{Text(e, "evalrunner.datapoint_id")}/{Text(e, "gen_ai.evaluation.name")}").Order(StringComparer.Ordinal));
        var a = events.Where(e => Text(e, "evalrunner.datapoint_id") == "a").ToList();
        Assert.All(a, e =>
        {
            Assert.Equal("0af7651916cd43dd8448eb211c80319c", Convert.ToHexStringLower(e.Record.TraceId.Span));
            Assert.Equal("b7ad6b7169203331", Convert.ToHexStringLower(e.Record.SpanId.Span));
            Assert.Equal("chatcmpl-42", Text(e, "gen_ai.response.id"));
        });
        var b = events.Where(e => Text(e, "evalrunner.datapoint_id") == "b").ToList();
        Assert.All(b, e => Assert.True(e.Record.TraceId.IsEmpty && e.Record.SpanId.IsEmpty));
        Assert.Equal("fail", Text(b.Single(e => Text(e, "gen_ai.evaluation.name") == "contains"), "gen_ai.evaluation.score.label"));
        Assert.Equal(0.0, b.Single(e => Text(e, "gen_ai.evaluation.name") == "contains").Attributes["gen_ai.evaluation.score.value"].DoubleValue);
        Assert.All(events.Where(e => Text(e, "gen_ai.evaluation.name") == "quality"), e => Assert.InRange(Encoding.UTF8.GetByteCount(Text(e, "gen_ai.evaluation.explanation")!), 1, 4096));

        // The header was sent, and its value is shown nowhere: not on the console, in the results or in an event.
        Assert.All(receiver.Requests, r => Assert.Equal(Secret, r.Headers["x-otlp-key"]));
        var explanation = Text(events.Single(e => Text(e, "evalrunner.datapoint_id") == "c" && Text(e, "gen_ai.evaluation.name") == "quality"), "gen_ai.evaluation.explanation")!;
        Assert.StartsWith("because a refund, key ***", explanation, StringComparison.Ordinal);
        var written = string.Concat(Directory.GetFiles(Path.Combine(dir.Path, "out"), "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotContain(Secret, result.StandardOutput + result.StandardError + written, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, string.Concat(receiver.Requests.Select(r => Encoding.UTF8.GetString(r.Body))), StringComparison.Ordinal);
        Assert.Matches(@"otlp: 6 evaluation events sent to http://127\.0\.0\.1:\d+/v1/logs", result.StandardOutput);
    }

    [Fact(Timeout = 120_000)]
    public async Task An_endpoint_that_refuses_connections_or_answers_503_neither_stops_nor_changes_the_run_and_the_lost_events_are_counted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"refund?\",\"generated_response\":\"a refund is possible\"}\n{\"id\":\"b\",\"input\":\"refund?\",\"generated_response\":\"yes, a refund\"}\n");
        dir.File("shop.eval.yaml", "name: shop\ndataset: cases.jsonl\nevaluators:\n  - {type: contains, value: refund}\nthresholds:\n  - rate(contains.passed) >= 0.5\n");

        // A port nobody listens on: a listener bound and closed again.
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var refused = await EvalRunnerCli.RunAsync(dir.Path, ["run", "shop.eval.yaml", "--out", "out1", "--otlp", $"http://127.0.0.1:{port}"], ct);

        await using var receiver = await FakeOtlpReceiver.StartAsync(ct);
        receiver.Status = 503;
        var unavailable = await EvalRunnerCli.RunAsync(dir.Path, ["run", "shop.eval.yaml", "--out", "out2", "--otlp", receiver.BaseUrl.ToString()], ct);

        // An endpoint that takes the request and never answers: the run ends after the export timeout, and says why.
        receiver.Hang = true;
        var silent = await EvalRunnerCli.RunAsync(dir.Path, ["run", "shop.eval.yaml", "--out", "out3", "--otlp", receiver.BaseUrl.ToString()], ct);

        foreach (var result in new[] { refused, unavailable, silent })
        {
            Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
            Assert.Contains("2 of 2 evaluation events not delivered", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        }

        Assert.Contains("(the last export failed: Connection refused", refused.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(the last export answered 503)", unavailable.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(the last export timed out)", silent.StandardOutput, StringComparison.Ordinal);

        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir.Path, "out1", "shop", "results.jsonl")).Length);
        Assert.Contains(receiver.Requests, r => r.Path == "/v1/logs" && r.Status == 503);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_bad_otlp_endpoint_or_export_section_is_an_error_naming_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"refund?\",\"generated_response\":\"a refund\",\"trace_id\":\"not-hex\"}\n");
        dir.File("shop.eval.yaml", "name: shop\ndataset: cases.jsonl\nevaluators:\n  - {type: contains, value: refund}\n");
        dir.File("bad.eval.yaml", "name: bad\ndataset: cases.jsonl\nevaluators:\n  - {type: contains, value: refund}\nexport: {otlp: ftp://collector, header: {}}\n");

        var option = await EvalRunnerCli.RunAsync(dir.Path, ["run", "shop.eval.yaml", "--otlp", "collector:4318"], ct);
        var section = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "bad.eval.yaml"], ct);
        var field = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "shop.eval.yaml"], ct);

        Assert.Equal(2, option.ExitCode);
        Assert.Contains("--otlp 'collector:4318' is not an http(s) URL", option.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, section.ExitCode);
        Assert.Contains("export.otlp", section.StandardError, StringComparison.Ordinal);
        Assert.Contains("export.header", section.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, field.ExitCode);
        Assert.Contains("cases.jsonl:1: trace_id: must be a trace id of 32 hex digits", field.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The <c>gen_ai.evaluation.result</c> records the receiver accepted, with their attributes by key.</summary>
    private static List<(LogRecord Record, Dictionary<string, AnyValue> Attributes)> Events(FakeOtlpReceiver receiver) =>
        [.. receiver.Accepted("/v1/logs")
            .Select(body => ExportLogsServiceRequest.Parser.ParseFrom(body))
            .SelectMany(r => r.ResourceLogs).SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords)
            .Where(r => r.EventName == EventName || r.Attributes.Any(a => a.Key == "gen_ai.evaluation.name"))
            .Select(r => (r, r.Attributes.ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal)))];

    private static string? Text((LogRecord Record, Dictionary<string, AnyValue> Attributes) e, string key) =>
        e.Attributes.TryGetValue(key, out var value) ? value.StringValue : null;

    /// <summary><c>evalrunner watch prod.eval.yaml --listen 127.0.0.1:0 --out out</c> and more; <paramref name="address"/> completes with the listener's root.</summary>
    private static Process StartWatch(string directory, string[] more, out Task<Uri> address)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[EvalRunnerCli.Path, "watch", "prod.eval.yaml", "--listen", "127.0.0.1:0", "--out", "out", .. more])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        var bound = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && Regex.Match(text, @"(http://127\.0\.0\.1:\d+/)logs") is { Success: true } match)
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

    /// <summary>Polls until <paramref name="condition"/> holds; fails at once when the watcher exited.</summary>
    private static async Task UntilAsync(Process watcher, Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            Assert.False(watcher.HasExited, "the watcher exited");
            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task StopAsync(Process watcher, CancellationToken cancellationToken)
    {
        using (var term = Process.Start("kill", ["-TERM", watcher.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(cancellationToken);
        }

        await watcher.WaitForExitAsync(cancellationToken);
    }
}
