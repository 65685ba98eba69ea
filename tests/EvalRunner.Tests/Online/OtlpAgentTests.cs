using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EvalRunner.Cli.Online;
using EvalRunner.Cli.Online.Otlp;
using EvalRunner.Logs;
using EvalRunner.Online;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>
/// Agent telemetry (OpenTelemetry GenAI conventions): an <c>invoke_agent</c> span, its <c>chat</c> spans and its
/// <c>execute_tool</c> spans, in one trace, joined into one log with its trajectory, in any order of arrival.
/// </summary>
public sealed class OtlpAgentTests
{
    private const string Scope = "Experimental.Microsoft.Extensions.AI";
    private const string TraceHex = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string AgentHex = "00f067aa0ba902b7";
    private const string Chat1Hex = "1111111111111111";
    private const string ToolHex = "2222222222222222";
    private const string Chat2Hex = "3333333333333333";
    private const ulong Start = 1_700_000_000_000_000_000;
    private const ulong Ms = 1_000_000;
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    private const string UserAsks = """[{"role":"system","parts":[{"type":"text","content":"You are a weather agent."}]},{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]}]""";

    private const string CallsTool = """[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_call"}]""";

    private const string AfterTool = """[{"role":"system","parts":[{"type":"text","content":"You are a weather agent."}]},{"role":"user","parts":[{"type":"text","content":"Weather in Paris?"}]},{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_weather","arguments":{"city":"Paris"}}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"18 C, sunny"}]}]""";

    private const string Answers = """[{"role":"assistant","parts":[{"type":"text","content":"It is 18 C and sunny in Paris."}],"finish_reason":"stop"}]""";

    /// <summary>One span: its ids, name, times, string or whole-number attributes, and an error status when given.</summary>
    private sealed record SpanSpec(string SpanHex, string? ParentHex, string Name, ulong StartNano, ulong EndNano, (string Key, object Value)[] Attributes, string? ErrorMessage = null);

    private static SpanSpec AgentSpan() => new(AgentHex, null, "invoke_agent weather", Start, Start + 2_000 * Ms,
        [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", "weather")]);

    private static SpanSpec FirstChat() => new(Chat1Hex, AgentHex, "chat gpt-4o-mini", Start + 10 * Ms, Start + 510 * Ms,
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini"), ("gen_ai.usage.input_tokens", 30L), ("gen_ai.usage.output_tokens", 12L),
         ("gen_ai.input.messages", UserAsks), ("gen_ai.output.messages", CallsTool)]);

    private static SpanSpec ToolSpan(string? error = null) => new(ToolHex, AgentHex, "execute_tool get_weather", Start + 520 * Ms, Start + 720 * Ms,
        [("gen_ai.operation.name", "execute_tool"), ("gen_ai.tool.name", "get_weather"), ("gen_ai.tool.call.id", "call_1"),
         ("gen_ai.tool.call.arguments", """{"city":"Paris"}"""), .. error is null ? new (string, object)[] { ("gen_ai.tool.call.result", "18 C, sunny") } : [("error.type", "TimeoutException")]],
        error);

    private static SpanSpec SecondChat() => new(Chat2Hex, AgentHex, "chat gpt-4o-mini", Start + 730 * Ms, Start + 1_930 * Ms,
        [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini"), ("gen_ai.usage.input_tokens", 60L), ("gen_ai.usage.output_tokens", 9L),
         ("gen_ai.input.messages", AfterTool), ("gen_ai.output.messages", Answers)]);

    private static byte[] Protobuf(params SpanSpec[] specs)
    {
        var scopeSpans = new ScopeSpans { Scope = new InstrumentationScope { Name = Scope } };
        foreach (var spec in specs)
        {
            var span = new Span
            {
                TraceId = ByteString.CopyFrom(Convert.FromHexString(TraceHex)),
                SpanId = ByteString.CopyFrom(Convert.FromHexString(spec.SpanHex)),
                ParentSpanId = spec.ParentHex is null ? ByteString.Empty : ByteString.CopyFrom(Convert.FromHexString(spec.ParentHex)),
                Name = spec.Name,
                Kind = 1,
                StartTimeUnixNano = spec.StartNano,
                EndTimeUnixNano = spec.EndNano,
            };
            foreach (var (key, value) in spec.Attributes)
            {
                span.Attributes.Add(new KeyValue { Key = key, Value = value is long n ? new AnyValue { IntValue = n } : new AnyValue { StringValue = (string)value } });
            }

            // status (15): message (2), code (3) = STATUS_CODE_ERROR (2), written field by field as the protocol has it.
            scopeSpans.Spans.Add(spec.ErrorMessage is null ? span
                : Span.Parser.ParseFrom([.. span.ToByteArray(), .. OtlpProtobuf.Message((15, OtlpProtobuf.Message((2, spec.ErrorMessage), (3, 2L))))]));
        }

        var resource = new Resource();
        resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "weather-agent" } });
        resource.Attributes.Add(new KeyValue { Key = "telemetry.sdk.language", Value = new AnyValue { StringValue = "dotnet" } });
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans { Resource = resource, ScopeSpans = { scopeSpans } });
        return request.ToByteArray();
    }

    /// <summary>The same spans as OTLP/JSON (hex ids, times as strings, status code 2 for an error).</summary>
    private static string Json(params SpanSpec[] specs)
    {
        var spans = specs.Select(spec => new Dictionary<string, object?>
        {
            ["traceId"] = TraceHex,
            ["spanId"] = spec.SpanHex,
            ["parentSpanId"] = spec.ParentHex ?? string.Empty,
            ["name"] = spec.Name,
            ["kind"] = 1,
            ["startTimeUnixNano"] = spec.StartNano.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["endTimeUnixNano"] = spec.EndNano.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["attributes"] = spec.Attributes.Select(a => new Dictionary<string, object>
            {
                ["key"] = a.Key,
                ["value"] = a.Value is long n ? new Dictionary<string, object> { ["intValue"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) } : new Dictionary<string, object> { ["stringValue"] = a.Value },
            }).ToList(),
            ["status"] = spec.ErrorMessage is null ? new Dictionary<string, object>() : new Dictionary<string, object> { ["code"] = 2, ["message"] = spec.ErrorMessage },
        });
        var request = new Dictionary<string, object>
        {
            ["resourceSpans"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["resource"] = new { attributes = new object[] { new { key = "service.name", value = new { stringValue = "weather-agent" } }, new { key = "telemetry.sdk.language", value = new { stringValue = "dotnet" } } } },
                    ["scopeSpans"] = new[] { new Dictionary<string, object> { ["scope"] = new { name = Scope }, ["spans"] = spans.ToList() } },
                },
            },
        };
        return JsonSerializer.Serialize(request);
    }

    private static async Task PostAsync(HttpClient http, Uri address, byte[] protobuf, CancellationToken ct)
    {
        using var content = new ByteArrayContent(protobuf);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var response = await http.PostAsync(new Uri(address, "v1/traces"), content, ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(ct));
        Assert.Empty(ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(ct)).PartialSuccess?.ErrorMessage ?? string.Empty);
    }

    private static async Task PostAsync(HttpClient http, Uri address, string json, CancellationToken ct)
    {
        using var response = await http.PostAsync(new Uri(address, "v1/traces"), new StringContent(json, Encoding.UTF8, "application/json"), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.DoesNotContain("rejected", body, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<LogListener> StartAsync(BoundedIntake intake, FakeTimeProvider clock, List<string> notices, CancellationToken ct) =>
        await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock, Notice = line => { lock (notices) { notices.Add(line); } } },
            intake,
            parse: null,
            ct);

    private static void AssertTrajectory(IncomingLog log, bool toolFails)
    {
        Assert.Equal($"otlp:{TraceHex}:{AgentHex}", log.Id);
        Assert.Equal("Weather in Paris?", log.Datapoint.Input);
        Assert.Equal("You are a weather agent.", log.Datapoint.Messages[0].Text);
        Assert.Equal("It is 18 C and sunny in Paris.", log.Log.Response);
        Assert.Equal("gpt-4o-mini", log.Log.Model);
        Assert.Equal((90L, 21L), (log.Log.InputTokens, log.Log.OutputTokens));
        Assert.Equal(2_000, log.Log.LatencyMs);
        var steps = log.Log.Steps!;
        Assert.Equal([StepKind.Model, StepKind.Tool, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal((30L, 12L, 500.0), (steps[0].InputTokens, steps[0].OutputTokens, steps[0].LatencyMs));
        Assert.Equal((60L, 9L, 1_200.0), (steps[2].InputTokens, steps[2].OutputTokens, steps[2].LatencyMs));
        var tool = steps[1];
        Assert.Equal(("get_weather", "call_1", 200.0), (tool.Name, tool.CallId, tool.LatencyMs));
        Assert.Equal(JsonValueKind.Object, tool.Arguments!.Value.ValueKind);
        Assert.Equal("Paris", tool.Arguments.Value.GetProperty("city").GetString());
        Assert.Equal(toolFails, tool.IsFailed);
        if (toolFails)
        {
            Assert.Null(tool.Result);
            Assert.Contains("TimeoutException", tool.Error, StringComparison.Ordinal);
            Assert.Contains("weather service timed out", tool.Error, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("18 C, sunny", tool.Result);
            Assert.Null(tool.Error);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Protobuf_agent_spans_arriving_in_any_order_become_one_log_with_its_trajectory_after_the_grace_period_of_the_agent_span()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        List<string> notices = [];
        await using var listener = await StartAsync(intake, clock, notices, ct);
        using var http = new HttpClient();

        // The last chat first, the agent span before the first chat, the tool span last: each a request of its own.
        await PostAsync(http, listener.Address, Protobuf(SecondChat()), ct);
        clock.Advance(TimeSpan.FromSeconds(5));
        await PostAsync(http, listener.Address, Protobuf(AgentSpan()), ct);
        await PostAsync(http, listener.Address, Protobuf(FirstChat()), ct);
        clock.Advance(TimeSpan.FromSeconds(1));
        await PostAsync(http, listener.Address, Protobuf(ToolSpan()), ct);
        Assert.Empty(intake.Taken);

        clock.Advance(TimeSpan.FromSeconds(1.5));
        AssertTrajectory(Assert.Single(intake.Taken), toolFails: false);

        // Nothing of the trace is evaluated again: neither its chat spans alone nor a late span of it.
        await PostAsync(http, listener.Address, Protobuf(FirstChat()), ct);
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Single(intake.Taken);
        Assert.Empty(notices);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_OTLP_JSON_agent_trace_whose_tool_span_has_status_ERROR_has_a_failed_tool_step_and_its_chat_spans_are_not_evaluated_alone()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        List<string> notices = [];
        await using var listener = await StartAsync(intake, clock, notices, ct);
        using var http = new HttpClient();

        await PostAsync(http, listener.Address, Json(FirstChat(), ToolSpan("weather service timed out")), ct);
        await PostAsync(http, listener.Address, Json(SecondChat(), AgentSpan()), ct);
        Assert.Empty(intake.Taken);
        clock.Advance(TimeSpan.FromSeconds(61));

        AssertTrajectory(Assert.Single(intake.Taken), toolFails: true);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_chat_span_of_a_trace_whose_agent_span_never_arrives_is_evaluated_alone_after_30_seconds_as_a_chat()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        List<string> notices = [];
        await using var listener = await StartAsync(intake, clock, notices, ct);
        using var http = new HttpClient();

        await PostAsync(http, listener.Address, Protobuf(SecondChat()), ct);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(intake.Taken);

        clock.Advance(TimeSpan.FromSeconds(2));
        var log = Assert.Single(intake.Taken);
        Assert.Equal($"otlp:{TraceHex}:{Chat2Hex}", log.Id);
        Assert.Equal("It is 18 C and sunny in Paris.", log.Log.Response);
        Assert.Equal((60L, 9L, 1_200.0), (log.Log.InputTokens, log.Log.OutputTokens, log.Log.LatencyMs));
        Assert.Null(log.Log.Steps);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_agent_trace_still_waiting_when_the_watcher_stops_is_joined_after_a_restart_and_kept_in_the_inbox_with_its_steps()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new EvalRunner.Testing.TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: trajectory}]\nonline: {}\n");
        var output = Path.Combine(dir.Path, "out");
        var clock = new FakeTimeProvider(Now);
        var options = new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock };
        using var http = new HttpClient();

        using (var monitor = await MonitorAsync(suitePath, output, clock, ct))
        await using (var listener = await LogListener.StartAsync(options, monitor, parse: null, ct))
        {
            await PostAsync(http, listener.Address, Protobuf(FirstChat(), ToolSpan()), ct);
        }

        Assert.Empty(Inbox(output));
        clock.Advance(TimeSpan.FromSeconds(5));
        using (var monitor = await MonitorAsync(suitePath, output, clock, ct))
        await using (var listener = await LogListener.StartAsync(options, monitor, parse: null, ct))
        {
            await PostAsync(http, listener.Address, Protobuf(SecondChat(), AgentSpan()), ct);
            clock.Advance(TimeSpan.FromSeconds(3));

            var row = Assert.Single(Inbox(output));
            Assert.Equal($"otlp:{TraceHex}:{AgentHex}", row.Key);
            Assert.Equal("It is 18 C and sunny in Paris.", row.Value.GetProperty("generated_response").GetString());
            var steps = row.Value.GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(["model", "tool", "model"], steps.Select(s => s.GetProperty("kind").GetString()));
            Assert.Equal("get_weather", steps[1].GetProperty("name").GetString());
            Assert.Equal("Paris", steps[1].GetProperty("arguments").GetProperty("city").GetString());
            Assert.Equal("18 C, sunny", steps[1].GetProperty("result").GetString());
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_watched_agent_trace_is_evaluated_once_and_the_trajectory_evaluator_counts_its_steps_and_its_failed_tool_call()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new EvalRunner.Testing.TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: trajectory}]\nonline: {}\n");
        var output = Path.Combine(dir.Path, "out");
        var clock = new FakeTimeProvider(Now);
        using var http = new HttpClient();
        await using (var watch = await InProcessWatch.StartAsync(suitePath, output, null, ct))
        await using (var listener = await LogListener.StartAsync(new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock }, watch.Monitor, parse: null, ct))
        {
            await PostAsync(http, listener.Address, Protobuf(AgentSpan(), SecondChat(), ToolSpan("weather service timed out"), FirstChat()), ct);
            clock.Advance(TimeSpan.FromSeconds(61));
            await watch.UntilAsync(() => watch.Monitor.Evaluated == 1, ct);
        }

        var row = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.Combine(output, "results.jsonl")))).RootElement;
        Assert.Equal($"otlp:{TraceHex}:{AgentHex}", row.GetProperty("datapoint_id").GetString());
        Assert.Equal(["model", "tool", "model"], row.GetProperty("log").GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));
        var trajectory = row.GetProperty("evaluations").GetProperty("trajectory");
        Assert.Equal((3, 2, 1, 1, 0), (trajectory.GetProperty("steps").GetInt32(), trajectory.GetProperty("model_calls").GetInt32(), trajectory.GetProperty("tool_calls").GetInt32(),
            trajectory.GetProperty("tool_errors").GetInt32(), trajectory.GetProperty("loops").GetInt32()));
    }

    /// <summary>A watcher's online monitor on <paramref name="output"/>, not evaluating: the logs it takes stay in its inbox.</summary>
    private static async Task<OnlineMonitor> MonitorAsync(string suitePath, string output, TimeProvider clock, CancellationToken ct)
    {
        var settings = new Settings(new Dictionary<string, string>());
        var suite = EvalRunner.Suites.SuiteLoader.Load(suitePath, new EvalRunner.Suites.SuiteLoadOptions { Settings = settings });
        return await OnlineMonitor.StartAsync(new EvalRunner.Runs.RunEngine(settings, clock), suite, output, _ => { }, ct);
    }

    private static Dictionary<string, JsonElement> Inbox(string output)
    {
        var path = Path.Combine(output, LogInbox.FileName);
        return !File.Exists(path)
            ? []
            : File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToDictionary(r => r.GetProperty("id").GetString()!);
    }
}
