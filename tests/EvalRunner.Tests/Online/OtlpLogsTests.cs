using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Cli.Online;
using EvalRunner.Cli.Online.Otlp;
using Google.Protobuf;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using static EvalRunner.Tests.Online.OtlpProtobuf;

namespace EvalRunner.Tests.Online;

/// <summary>
/// OTLP logs on <c>/v1/logs</c>: GenAI log events (the OpenTelemetry OpenAI instrumentations send messages this way)
/// joined to their chat span by trace and span id, in either order of arrival.
/// </summary>
public sealed class OtlpLogsTests
{
    private const string OpenAIScope = "@opentelemetry/instrumentation-openai";
    private const string TraceHex = "5b8efff798038103d269b633813fc60c";
    private const string SpanHex = "eee19b7ec3c1b174";
    private const ulong Start = 1_700_000_000_000_000_000;
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    private static byte[] TraceId => Convert.FromHexString(TraceHex);

    private static byte[] SpanId => Convert.FromHexString(SpanHex);

    private static Span ChatSpan(string spanHex = SpanHex)
    {
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(TraceId),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(spanHex)),
            Name = "chat gpt-4o-mini",
            Kind = 3,
            StartTimeUnixNano = Start,
            EndTimeUnixNano = Start + 840_000_000,
        };
        span.Attributes.Add(new KeyValue { Key = "gen_ai.operation.name", Value = new AnyValue { StringValue = "chat" } });
        span.Attributes.Add(new KeyValue { Key = "gen_ai.request.model", Value = new AnyValue { StringValue = "gpt-4o-mini" } });
        span.Attributes.Add(new KeyValue { Key = "gen_ai.response.model", Value = new AnyValue { StringValue = "gpt-4o-mini-2024-07-18" } });
        span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.input_tokens", Value = new AnyValue { IntValue = 9 } });
        span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.output_tokens", Value = new AnyValue { IntValue = 2 } });
        return span;
    }

    private static ExportTraceServiceRequest Traces(string scope, string language, params Span[] spans)
    {
        var resource = new Resource();
        resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "shop" } });
        resource.Attributes.Add(new KeyValue { Key = "telemetry.sdk.language", Value = new AnyValue { StringValue = language } });
        var scopeSpans = new ScopeSpans { Scope = new InstrumentationScope { Name = scope } };
        scopeSpans.Spans.AddRange(spans);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(new ResourceSpans { Resource = resource, ScopeSpans = { scopeSpans } });
        return request;
    }

    private static async Task<HttpResponseMessage> PostProtobufAsync(HttpClient http, Uri address, string path, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return await http.PostAsync(new Uri(address, path), content, ct);
    }

    private static async Task<HttpResponseMessage> PostJsonAsync(HttpClient http, Uri address, string path, string body, CancellationToken ct) =>
        await http.PostAsync(new Uri(address, path), new StringContent(body, Encoding.UTF8, "application/json"), ct);

    private static string JsonAttribute(string key, string value) => $$$"""{"key":"{{{key}}}","value":{"stringValue":{{{JsonSerializer.Serialize(value)}}}}}""";

    /// <summary>The events of the chat completions instrumentation: one per prompt message, then gen_ai.choice (OTLP/JSON).</summary>
    private static string ChatEventsJson(string spanHex = SpanHex) => $$$$"""
        {"resourceLogs":[{"resource":{"attributes":[{{{{JsonAttribute("service.name", "shop")}}}},{{{{JsonAttribute("telemetry.sdk.language", "nodejs")}}}}]},
          "scopeLogs":[{"scope":{"name":"{{{{OpenAIScope}}}}"},"logRecords":[
            {"timeUnixNano":"1700000000000000000","observedTimeUnixNano":"1700000000000000000","severityNumber":9,
             "body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"Answer briefly."}}]}},
             "attributes":[{{{{JsonAttribute("event.name", "gen_ai.system.message")}}}},{{{{JsonAttribute("gen_ai.system", "openai")}}}}],
             "traceId":"{{{{TraceHex}}}}","spanId":"{{{{spanHex}}}}"},
            {"timeUnixNano":"1700000000000000000","observedTimeUnixNano":"1700000000001000000","severityNumber":9,
             "body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"What is 2+2?"}}]}},
             "attributes":[{{{{JsonAttribute("event.name", "gen_ai.user.message")}}}},{{{{JsonAttribute("gen_ai.system", "openai")}}}}],
             "traceId":"{{{{TraceHex}}}}","spanId":"{{{{spanHex}}}}"},
            {"timeUnixNano":"1700000000800000000","observedTimeUnixNano":"1700000000800000000","severityNumber":9,
             "body":{"kvlistValue":{"values":[{"key":"finish_reason","value":{"stringValue":"stop"}},{"key":"index","value":{"intValue":0}},
               {"key":"message","value":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"4"}}]}}}]}},
             "attributes":[{{{{JsonAttribute("event.name", "gen_ai.choice")}}}},{{{{JsonAttribute("gen_ai.system", "openai")}}}}],
             "traceId":"{{{{TraceHex}}}}","spanId":"{{{{spanHex}}}}"}
          ]}]}]}
        """;

    /// <summary>GenAI log events of the Node instrumentation (OTLP/JSON), each record made by <see cref="MessageEvent"/> or <see cref="ChoiceEvent"/>.</summary>
    private static string EventsJson(params string[] records) => $$$$"""
        {"resourceLogs":[{"resource":{"attributes":[{{{{JsonAttribute("service.name", "shop")}}}},{{{{JsonAttribute("telemetry.sdk.language", "nodejs")}}}}]},
          "scopeLogs":[{"scope":{"name":"{{{{OpenAIScope}}}}"},"logRecords":[{{{{string.Join(",", records)}}}}]}]}]}
        """;

    private static string MessageEvent(string name, string content, ulong time) => $$$$"""
        {"timeUnixNano":"{{{{time}}}}","observedTimeUnixNano":"{{{{time}}}}","severityNumber":9,
         "body":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":{{{{JsonSerializer.Serialize(content)}}}}}}]}},
         "attributes":[{{{{JsonAttribute("event.name", name)}}}}],"traceId":"{{{{TraceHex}}}}","spanId":"{{{{SpanHex}}}}"}
        """;

    private static string ChoiceEvent(string content, ulong time) => $$$$"""
        {"timeUnixNano":"{{{{time}}}}","observedTimeUnixNano":"{{{{time}}}}","severityNumber":9,
         "body":{"kvlistValue":{"values":[{"key":"index","value":{"intValue":0}},
           {"key":"message","value":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":{{{{JsonSerializer.Serialize(content)}}}}}}]}}}]}},
         "attributes":[{{{{JsonAttribute("event.name", "gen_ai.choice")}}}}],"traceId":"{{{{TraceHex}}}}","spanId":"{{{{SpanHex}}}}"}
        """;

    [Fact(Timeout = 30_000)]
    public async Task A_GenAI_event_late_by_less_than_the_grace_period_joins_its_call_and_one_later_still_is_counted_and_said_on_the_console()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        List<string> notices = [];
        await using var listener = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock, Notice = line => { lock (notices) { notices.Add(line); } } },
            intake,
            parse: null,
            ct);
        using var http = new HttpClient();

        // The span, then the user message and the completion: the call looks complete, but its system message comes a
        // second later (an exporter that sends each event in a request of its own).
        using (var traces = await PostProtobufAsync(http, listener.Address, "v1/traces", Traces(OpenAIScope, "nodejs", ChatSpan()).ToByteArray(), ct))
        {
            Assert.Equal(HttpStatusCode.OK, traces.StatusCode);
        }

        using (var events = await PostJsonAsync(http, listener.Address, "v1/logs", EventsJson(MessageEvent("gen_ai.user.message", "What is 2+2?", Start + 1), ChoiceEvent("4", Start + 800_000_000)), ct))
        {
            Assert.Equal(HttpStatusCode.OK, events.StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(intake.Taken);
        using (var system = await PostJsonAsync(http, listener.Address, "v1/logs", EventsJson(MessageEvent("gen_ai.system.message", "Answer briefly.", Start)), ct))
        {
            var text = await system.Content.ReadAsStringAsync(ct);
            Assert.True(system.StatusCode == HttpStatusCode.OK, text);
            Assert.DoesNotContain("rejected", text, StringComparison.OrdinalIgnoreCase);
        }

        clock.Advance(TimeSpan.FromSeconds(2));

        var log = Assert.Single(intake.Taken);
        Assert.Equal($"otlp:{TraceHex}:{SpanHex}", log.Id);
        Assert.Equal([ChatRole.System, ChatRole.User], log.Datapoint.Messages.Select(m => m.Role));
        Assert.Equal("Answer briefly.", log.Datapoint.Messages[0].Text);
        Assert.Equal("What is 2+2?", log.Datapoint.Input);
        Assert.Equal("4", log.Log.Response);
        Assert.Equal("gpt-4o-mini-2024-07-18", log.Log.Model);
        Assert.Empty(notices);

        // An event of the call after it ended is not taken: the answer counts it and the console says why.
        using var late = await PostJsonAsync(http, listener.Address, "v1/logs", EventsJson(MessageEvent("gen_ai.user.message", "And 3+3?", Start + 2)), ct);
        var answer = JsonParser.Default.Parse<ExportLogsServiceResponse>(await late.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(1, answer.PartialSuccess?.RejectedLogRecords);
        Assert.Contains("after their call", answer.PartialSuccess!.ErrorMessage, StringComparison.Ordinal);
        Assert.Single(intake.Taken);
        var notice = Assert.Single(notices);
        Assert.Contains("1 GenAI log event from " + OpenAIScope, notice, StringComparison.Ordinal);
        Assert.Contains("after their call", notice, StringComparison.Ordinal);
        Assert.Contains("BatchLogRecordProcessor", notice, StringComparison.Ordinal);
    }

    private const string Suite = "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n";

    /// <summary>A watcher's online monitor on <paramref name="output"/>, not evaluating: the logs it takes stay in its inbox.</summary>
    private static async Task<EvalRunner.Online.OnlineMonitor> MonitorAsync(string suitePath, string output, TimeProvider clock, CancellationToken ct)
    {
        var settings = new Settings(new Dictionary<string, string>());
        var suite = EvalRunner.Suites.SuiteLoader.Load(suitePath, new EvalRunner.Suites.SuiteLoadOptions { Settings = settings });
        return await EvalRunner.Online.OnlineMonitor.StartAsync(new EvalRunner.Runs.RunEngine(settings, clock), suite, output, _ => { }, ct);
    }

    /// <summary>The logs in the watcher's inbox, by id.</summary>
    private static Dictionary<string, JsonElement> Inbox(string output)
    {
        var path = Path.Combine(output, EvalRunner.Online.LogInbox.FileName);
        return !File.Exists(path)
            ? []
            : File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToDictionary(r => r.GetProperty("id").GetString()!);
    }

    [Fact(Timeout = 60_000)]
    public async Task GenAI_calls_still_waiting_when_the_watcher_stops_wait_on_after_a_restart_from_when_they_first_arrived()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new EvalRunner.Testing.TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", Suite);
        var output = Path.Combine(dir.Path, "out");
        var clock = new FakeTimeProvider(Now);
        var options = new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock };
        using var http = new HttpClient();
        const string OtherSpan = "00000000000000a1";

        // The events of two calls arrive; the watcher stops before their spans come.
        using (var monitor = await MonitorAsync(suitePath, output, clock, ct))
        await using (var listener = await LogListener.StartAsync(options, monitor, parse: null, ct))
        {
            using var one = await PostJsonAsync(http, listener.Address, "v1/logs", ChatEventsJson(), ct);
            using var two = await PostJsonAsync(http, listener.Address, "v1/logs", ChatEventsJson(OtherSpan), ct);
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
            Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(10));
        using (var monitor = await MonitorAsync(suitePath, output, clock, ct))
        await using (var listener = await LogListener.StartAsync(options, monitor, parse: null, ct))
        {
            // The first call's span comes after the restart: it joins the events that came before.
            using (var traces = await PostProtobufAsync(http, listener.Address, "v1/traces", Traces(OpenAIScope, "nodejs", ChatSpan()).ToByteArray(), ct))
            {
                Assert.Equal(HttpStatusCode.OK, traces.StatusCode);
            }

            clock.Advance(TimeSpan.FromSeconds(3));
            var joined = Assert.Single(Inbox(output)).Value;
            Assert.Equal($"otlp:{TraceHex}:{SpanHex}", joined.GetProperty("id").GetString());
            Assert.Equal("gpt-4o-mini-2024-07-18", joined.GetProperty("model").GetString());
            Assert.Equal(["system", "user"], joined.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
            Assert.Equal("4", joined.GetProperty("generated_response").GetString());

            // The other call's span never comes: 30 s after its events first arrived, before the restart, it is evaluated
            // from them alone.
            clock.Advance(TimeSpan.FromSeconds(16));
            Assert.Single(Inbox(output));
            clock.Advance(TimeSpan.FromSeconds(2));
            var alone = Inbox(output)[$"otlp:{TraceHex}:{OtherSpan}"];
            Assert.False(alone.TryGetProperty("model", out _));
            Assert.Equal("4", alone.GetProperty("generated_response").GetString());
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_damaged_file_of_waiting_GenAI_calls_is_reported_with_its_path_and_reason_and_the_watcher_goes_on_without_it()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new EvalRunner.Testing.TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", Suite);
        var output = Path.Combine(dir.Path, "out");
        Directory.CreateDirectory(output);
        var state = Path.Combine(output, "genai-calls.json");
        File.WriteAllText(state, "{\"version\":1,\"calls\":[{\"key\":");
        var clock = new FakeTimeProvider(Now);
        List<string> notices = [];
        using var http = new HttpClient();

        using var monitor = await MonitorAsync(suitePath, output, clock, ct);
        await using var listener = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock, Notice = line => { lock (notices) { notices.Add(line); } } },
            monitor,
            parse: null,
            ct);

        var notice = Assert.Single(notices);
        Assert.Contains(state, notice, StringComparison.Ordinal);
        Assert.Contains("damaged", notice, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", notice, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", notice, StringComparison.Ordinal);

        // The listener goes on: a call joins as before.
        using (var events = await PostJsonAsync(http, listener.Address, "v1/logs", ChatEventsJson(), ct))
        using (var traces = await PostProtobufAsync(http, listener.Address, "v1/traces", Traces(OpenAIScope, "nodejs", ChatSpan()).ToByteArray(), ct))
        {
            Assert.Equal(HttpStatusCode.OK, events.StatusCode);
            Assert.Equal(HttpStatusCode.OK, traces.StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("gpt-4o-mini-2024-07-18", Assert.Single(Inbox(output)).Value.GetProperty("model").GetString());
    }

    [Fact(Timeout = 30_000)]
    public async Task Protobuf_GenAI_message_events_sent_before_their_span_are_joined_to_it_into_one_log()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        await using var listener = await LogListener.StartAsync(new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock }, intake, parse: null, ct);
        using var http = new HttpClient();
        var events = ExportLogs(
            OpenAIScope,
            LogRecord(TraceId, SpanId, Start, eventName: null, KeyValues(("content", Text("Answer briefly."))), Attribute("event.name", Text("gen_ai.system.message"))),
            LogRecord(TraceId, SpanId, Start + 1, eventName: null, KeyValues(("content", Text("What is 2+2?"))), Attribute("event.name", Text("gen_ai.user.message"))),
            LogRecord(
                TraceId,
                SpanId,
                Start + 800_000_000,
                eventName: "gen_ai.choice",
                KeyValues(("finish_reason", Text("stop")), ("index", Message((3, 0L))), ("message", KeyValues(("content", Text("4")))))));

        using var logsResponse = await PostProtobufAsync(http, listener.Address, "v1/logs", events, ct);

        Assert.True(logsResponse.StatusCode == HttpStatusCode.OK, await logsResponse.Content.ReadAsStringAsync(ct));
        Assert.Equal("application/x-protobuf", logsResponse.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await logsResponse.Content.ReadAsByteArrayAsync(ct));
        Assert.Empty(intake.Taken);

        using var tracesResponse = await PostProtobufAsync(http, listener.Address, "v1/traces", Traces(OpenAIScope, "nodejs", ChatSpan()).ToByteArray(), ct);

        Assert.Equal(HttpStatusCode.OK, tracesResponse.StatusCode);
        Assert.Null(ExportTraceServiceResponse.Parser.ParseFrom(await tracesResponse.Content.ReadAsByteArrayAsync(ct)).PartialSuccess);
        // The call waits the grace period for late events of it, then is evaluated.
        Assert.Empty(intake.Taken);
        clock.Advance(LogListenerOptions.DefaultLateEventGrace);
        var log = Assert.Single(intake.Taken);
        Assert.Equal($"otlp:{TraceHex}:{SpanHex}", log.Id);
        Assert.Equal([ChatRole.System, ChatRole.User], log.Datapoint.Messages.Select(m => m.Role));
        Assert.Equal("Answer briefly.", log.Datapoint.Messages[0].Text);
        Assert.Equal("What is 2+2?", log.Datapoint.Input);
        Assert.Equal("4", log.Log.Response);
        Assert.Equal("gpt-4o-mini-2024-07-18", log.Log.Model);
        Assert.Equal(9, log.Log.InputTokens);
        Assert.Equal(2, log.Log.OutputTokens);
        Assert.Equal(840, log.Log.LatencyMs);
    }

    [Fact(Timeout = 30_000)]
    public async Task OTLP_JSON_input_and_output_messages_events_sent_after_their_span_are_joined_to_it_into_one_log()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        await using var listener = await LogListener.StartAsync(new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock }, intake, parse: null, ct);
        using var http = new HttpClient();
        var span = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"telemetry.sdk.language","value":{"stringValue":"nodejs"}}]},"scopeSpans":[{"scope":{"name":"@opentelemetry/instrumentation-openai"},"spans":[
              {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"chat gpt-4o-mini","kind":3,
               "startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000500000000","attributes":[
                 {"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},
                 {"key":"gen_ai.system_instructions","value":{"stringValue":"Answer briefly."}},
                 {"key":"gen_ai.usage.input_tokens","value":{"intValue":7}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":1}}]}
            ]}]}]}
            """;
        // The current conventions: one gen_ai.client.inference.operation.details event (event_name) with the input messages
        // as structured values, one with the output messages (here as a JSON string, as some SDKs send them).
        var events = """
            {"resourceLogs":[{"scopeLogs":[{"scope":{"name":"@opentelemetry/instrumentation-openai"},"logRecords":[
              {"timeUnixNano":"1700000000000000000","eventName":"gen_ai.client.inference.operation.details","traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
               "attributes":[{"key":"gen_ai.input.messages","value":{"arrayValue":{"values":[{"kvlistValue":{"values":[
                 {"key":"role","value":{"stringValue":"user"}},
                 {"key":"parts","value":{"arrayValue":{"values":[{"kvlistValue":{"values":[{"key":"type","value":{"stringValue":"text"}},{"key":"content","value":{"stringValue":"What is 2+2?"}}]}}]}}}]}}]}}}]},
              {"timeUnixNano":"1700000000500000000","eventName":"gen_ai.client.inference.operation.details","traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
               "attributes":[{"key":"gen_ai.output.messages","value":{"stringValue":"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"4\"}],\"finish_reason\":\"stop\"}]"}}]}
            ]}]}]}
            """;

        using var tracesResponse = await PostJsonAsync(http, listener.Address, "v1/traces", span, ct);

        var tracesText = await tracesResponse.Content.ReadAsStringAsync(ct);
        Assert.True(tracesResponse.StatusCode == HttpStatusCode.OK, tracesText);
        Assert.DoesNotContain("rejected", tracesText, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(intake.Taken);

        using var logsResponse = await PostJsonAsync(http, listener.Address, "v1/logs", events, ct);

        Assert.True(logsResponse.StatusCode == HttpStatusCode.OK, await logsResponse.Content.ReadAsStringAsync(ct));
        Assert.Equal("application/json", logsResponse.Content.Headers.ContentType?.MediaType);
        Assert.Empty(intake.Taken);
        clock.Advance(LogListenerOptions.DefaultLateEventGrace);
        var log = Assert.Single(intake.Taken);
        Assert.Equal($"otlp:{TraceHex}:{SpanHex}", log.Id);
        Assert.Equal([ChatRole.System, ChatRole.User], log.Datapoint.Messages.Select(m => m.Role));
        Assert.Equal("Answer briefly.", log.Datapoint.Messages[0].Text);
        Assert.Equal("What is 2+2?", log.Datapoint.Input);
        Assert.Equal("4", log.Log.Response);
        Assert.Equal("gpt-4o-mini", log.Log.Model);
        Assert.Equal(7, log.Log.InputTokens);
        Assert.Equal(500, log.Log.LatencyMs);
    }

    [Fact(Timeout = 30_000)]
    public async Task GenAI_events_whose_span_never_comes_are_evaluated_alone_after_30_seconds_and_the_console_says_so()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        List<string> notices = [];
        await using var listener = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock, Notice = line => { lock (notices) { notices.Add(line); } } },
            intake,
            parse: null,
            ct);
        using var http = new HttpClient();

        using var response = await PostJsonAsync(http, listener.Address, "v1/logs", ChatEventsJson(), ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(ct));
        clock.Advance(TimeSpan.FromSeconds(29));

        Assert.Empty(intake.Taken);

        clock.Advance(TimeSpan.FromSeconds(2));

        var log = Assert.Single(intake.Taken);
        Assert.Equal($"otlp:{TraceHex}:{SpanHex}", log.Id);
        Assert.Equal("What is 2+2?", log.Datapoint.Input);
        Assert.Equal("4", log.Log.Response);
        Assert.Null(log.Log.Model);
        Assert.Null(log.Log.InputTokens);
        var notice = Assert.Single(notices);
        Assert.Contains("without their span", notice, StringComparison.Ordinal);
        Assert.Contains("/v1/traces", notice, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Chat_spans_without_content_are_said_on_the_console_once_a_minute_with_advice_that_fits_their_client()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        List<string> notices = [];
        await using var listener = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), TimeProvider = clock, Notice = line => { lock (notices) { notices.Add(line); } } },
            intake,
            parse: null,
            ct);
        using var http = new HttpClient();

        // The OpenAI instrumentation for Node sends its messages as log events: its spans wait for them, then are said once.
        var spans = Enumerable.Range(1, 5).Select(i => ChatSpan($"{i:x16}")).ToArray();
        using (var first = await PostProtobufAsync(http, listener.Address, "v1/traces", Traces(OpenAIScope, "nodejs", spans).ToByteArray(), ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(31));

        Assert.Empty(intake.Taken);
        var notice = Assert.Single(notices);
        Assert.Contains("5 chat spans", notice, StringComparison.Ordinal);
        Assert.Contains(OpenAIScope, notice, StringComparison.Ordinal);
        Assert.Contains("captureMessageContent", notice, StringComparison.Ordinal);
        Assert.Contains("/v1/logs", notice, StringComparison.Ordinal);

        using (var second = await PostProtobufAsync(http, listener.Address, "v1/traces", Traces(OpenAIScope, "nodejs", ChatSpan("00000000000000aa")).ToByteArray(), ct))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Single(notices);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(2, notices.Count);
        Assert.Contains("1 chat span ", notices[1], StringComparison.Ordinal);

        // A .NET chat client (Microsoft.Extensions.AI) puts messages on the span: without them it is rejected at once.
        using var dotnet = await PostProtobufAsync(http, listener.Address, "v1/traces", Traces("Experimental.Microsoft.Extensions.AI", "dotnet", ChatSpan("00000000000000bb")).ToByteArray(), ct);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await dotnet.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("EnableSensitiveData", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(3, notices.Count);
        Assert.Contains("EnableSensitiveData", notices[2], StringComparison.Ordinal);
        Assert.DoesNotContain("captureMessageContent", notices[2], StringComparison.Ordinal);
        Assert.Empty(intake.Taken);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_OpenAI_Node_SDK_with_its_OpenTelemetry_instrumentation_sends_a_chat_that_becomes_one_log()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Path.Combine(Repository.Root, "tests", "otel-openai-node");
        Assert.True(
            File.Exists(Path.Combine(folder, "node_modules", "@opentelemetry", "instrumentation-openai", "package.json"))
                && File.Exists(Path.Combine(folder, "node_modules", "openai", "package.json")),
            $"the npm packages of {folder} are not installed: run tests/setup.sh");
        await using var server = await EvalRunner.Testing.FakeOpenAIServer.StartAsync(ct);
        server.Respond = _ => "Paris is the capital of France.";
        var intake = new BoundedIntake();
        var clock = new FakeTimeProvider(Now);
        List<string> notices = [];
        await using var listener = await LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), BearerToken = "otlp-token", TimeProvider = clock, Notice = line => { lock (notices) { notices.Add(line); } } },
            intake,
            parse: null,
            ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));

        BufferedCommandResult result;
        try
        {
            result = await CliWrap.Cli.Wrap("node")
                .WithArguments([Path.Combine(folder, "chat.js"), server.BaseUrl.ToString(), listener.Address.ToString(), "otlp-token"])
                .WithWorkingDirectory(folder)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(timeout.Token);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"node could not be started ({e.Message}): run tests/setup.sh, which installs Node.js and the npm packages of tests/otel-openai-node");
            throw;
        }

        Assert.True(result.ExitCode == 0, $"node chat.js exited {result.ExitCode}: {result.StandardError}");
        using var output = JsonDocument.Parse(result.StandardOutput);
        Assert.Equal("Paris is the capital of France.", output.RootElement.GetProperty("content").GetString());
        clock.Advance(LogListenerOptions.DefaultLateEventGrace);
        var log = Assert.Single(intake.Taken);
        Assert.Matches("^otlp:[0-9a-f]{32}:[0-9a-f]{16}$", log.Id);
        Assert.Equal([ChatRole.System, ChatRole.User], log.Datapoint.Messages.Select(m => m.Role));
        Assert.Equal("Answer briefly.", log.Datapoint.Messages[0].Text);
        Assert.Equal("What is the capital of France?", log.Datapoint.Input);
        Assert.Equal("Paris is the capital of France.", log.Log.Response);
        Assert.Equal("gpt-4o-mini", log.Log.Model);
        Assert.Equal(output.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64(), log.Log.InputTokens);
        Assert.Equal(output.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt64(), log.Log.OutputTokens);
        Assert.True(log.Log.LatencyMs > 0);
        Assert.Empty(notices);
    }
}
