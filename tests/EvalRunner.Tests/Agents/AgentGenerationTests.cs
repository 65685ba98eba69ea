using System.Text.Json;
using EvalRunner.Caching;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Agents;

/// <summary>A model config with tools: the tool loop against the test server's scripted tool calls, recorded as a trajectory.</summary>
public sealed class AgentGenerationTests
{
    private const string Tools = """
            tools:
              - name: lookup_order
                description: Finds an order by its id.
                parameters:
                  type: object
                  properties: {order_id: {type: string}}
                  required: [order_id]
              - name: refund_order
                description: Refunds an order.
                parameters:
                  type: object
                  properties: {order_id: {type: string}, reason: {type: string}}
                  required: [order_id]
        """;

    private static string Suite(FakeOpenAIServer server, string extra = "", string modelExtra = "") => $"""
        name: agent
        dataset: cases.jsonl
        models:
          - name: agent
            provider: openai
            model: gpt-test
            base_url: {server.BaseUrl}
            api_key: sk-agent-test
        {Tools}
        {modelExtra}
        tool_results:
          - name: lookup_order
            arguments: {"{"}order_id: "42"{"}"}
            result: {"{"}status: delivered, total: 30{"}"}
          - name: refund_order
            result: refund issued
            latency_ms: 120
        evaluators:
          - type: contains
            value: refunded
        {extra}
        """;

    /// <summary>Looks the order up, refunds it, then answers.</summary>
    private static IReadOnlyList<FakeToolCall>? RefundAgent(FakeChatRequest request) => request.ToolResults switch
    {
        0 => [new FakeToolCall("lookup_order", "{\"order_id\":\"42\"}")],
        1 => [new FakeToolCall("refund_order", "{\"order_id\":\"42\",\"reason\":\"late\"}")],
        _ => null,
    };

    [Fact(Timeout = 120000)]
    public async Task A_model_config_with_tools_runs_the_tool_loop_on_canned_results_and_records_each_step()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = RefundAgent;
        server.Respond = request => request.Messages[^1].Role == "tool" ? $"Your order was refunded ({request.Messages[^1].Content})." : "no tools used";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"r1\",\"input\":\"Refund order 42, it came late\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server), token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Equal(3, server.RequestCount);
        var log = rows[0].GetProperty("log");
        Assert.Equal("Your order was refunded (refund issued).", log.GetProperty("generated_response").GetString());
        var steps = log.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["model", "tool", "model", "tool", "model"], steps.Select(s => s.GetProperty("kind").GetString()));
        Assert.Equal("lookup_order", steps[1].GetProperty("name").GetString());
        Assert.Equal("42", steps[1].GetProperty("arguments").GetProperty("order_id").GetString());
        Assert.Equal("{\"status\":\"delivered\",\"total\":30}", steps[1].GetProperty("result").GetString());
        Assert.Equal("refund_order", steps[3].GetProperty("name").GetString());
        Assert.Equal("refund issued", steps[3].GetProperty("result").GetString());
        Assert.Equal(120, steps[3].GetProperty("latency_ms").GetDouble());
        Assert.True(steps[0].GetProperty("input_tokens").GetInt64() > 0);

        // run.json counts what the agents did, and the console line reads those counts.
        Assert.Equal(new EvalRunner.Logs.TrajectoryCounts { Rows = 1, Steps = 5, ModelCalls = 3, ToolCalls = 2, ToolErrors = 0, MaxSteps = 0 }, result.Trajectories);
        Assert.Equal("1 rows with tools: 5 steps (3 model calls, 2 tool calls, 0 failed), 0 ended on max_steps", EvalRunner.Reports.ReportValues.Agents(result));
        using var runJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.OutputDirectory, "run.json")));
        Assert.Equal(2, runJson.RootElement.GetProperty("trajectories").GetProperty("tool_calls").GetInt32());

        // The model saw the tools, and each tool's result went back to it with the call's id.
        var second = server.Requests[1];
        Assert.Equal(["lookup_order", "refund_order"], second.Tools);
        var toolMessage = second.Messages.Single(m => m.Role == "tool");
        Assert.Equal("call_1", toolMessage.ToolCallId);
        Assert.Contains("delivered", toolMessage.Content, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_model_that_calls_tools_forever_stops_at_max_steps_with_status_max_steps_and_fails_its_datapoint()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = _ => [new FakeToolCall("lookup_order", "{\"order_id\":\"42\"}")];
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"loop\",\"input\":\"Where is order 42?\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server, "thresholds:\n  - rate(log.max_steps) <= 0.5\n", "    max_steps: 3"), token);

        Assert.Equal(3, server.RequestCount);
        var row = rows[0];
        var log = row.GetProperty("log");
        Assert.Equal("max_steps", log.GetProperty("status").GetString());
        Assert.Equal(3, log.GetProperty("steps").EnumerateArray().Count(s => s.GetProperty("kind").GetString() == "model"));
        Assert.Contains(log.GetProperty("steps").EnumerateArray(), s => s.TryGetProperty("error", out var e) && e.GetString()?.Contains("max_steps", StringComparison.Ordinal) == true);
        Assert.Equal("fail", row.GetProperty("outcome").GetString());
        Assert.Contains(row.GetProperty("failed_rules").EnumerateArray(), r => r.GetString()!.Contains("max_steps", StringComparison.Ordinal));
        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Equal(1, result.Trajectories!.MaxSteps);
        Assert.Equal(1, result.Trajectories.ToolErrors);
    }

    [Fact(Timeout = 120000)]
    public async Task An_unknown_tool_or_a_call_without_a_result_gives_the_model_an_error_and_is_a_failed_step()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = request => request.ToolResults == 0
            ? [new FakeToolCall("cancel_order", "{\"order_id\":\"42\"}"), new FakeToolCall("lookup_order", "{\"order_id\":\"7\"}")]
            : null;
        server.Respond = request => "told: " + string.Join(" | ", request.Messages.Where(m => m.Role == "tool").Select(m => m.Content));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"u\",\"input\":\"Cancel order 42\"}\n");

        var (_, rows) = await SuiteRun.RunAsync(dir, Suite(server), token);

        var steps = rows[0].GetProperty("log").GetProperty("steps").EnumerateArray().ToList();
        var unknown = steps.Single(s => s.TryGetProperty("name", out var n) && n.GetString() == "cancel_order");
        Assert.Contains("cancel_order", unknown.GetProperty("error").GetString(), StringComparison.Ordinal);
        var missing = steps.Single(s => s.TryGetProperty("name", out var n) && n.GetString() == "lookup_order");
        Assert.Contains("no result for tool 'lookup_order'", missing.GetProperty("error").GetString(), StringComparison.Ordinal);
        var answer = rows[0].GetProperty("log").GetProperty("generated_response").GetString()!;
        Assert.Contains("no result for tool 'lookup_order'", answer, StringComparison.Ordinal);
        Assert.Equal(2, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task A_tool_with_a_command_gets_the_arguments_on_stdin_and_answers_on_stdout()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = request => request.ToolResults == 0 ? [new FakeToolCall("weather", "{\"city\":\"Oslo\"}")] : null;
        server.Respond = request => "It is " + request.Messages[^1].Content;
        using var dir = new TempDirectory();
        dir.File("weather.py", "import json, sys\nargs = json.load(sys.stdin)\nprint('cold in ' + args['city'])\n");
        dir.File("cases.jsonl", "{\"id\":\"w\",\"input\":\"Weather in Oslo?\"}\n");
        var suite = $"""
            dataset: cases.jsonl
            models:
              - name: agent
                provider: openai
                model: gpt-test
                base_url: {server.BaseUrl}
                api_key: sk-agent-test
                tools:
                  - name: weather
                    parameters: {"{"}type: object, properties: {"{"}city: {"{"}type: string{"}"}{"}"}{"}"}
                    command: [python3, weather.py]
            evaluators:
              - type: contains
                value: cold in Oslo
            """;

        var (result, rows) = await SuiteRun.RunAsync(dir, suite, token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        var tool = rows[0].GetProperty("log").GetProperty("steps")[1];
        Assert.Equal("cold in Oslo", tool.GetProperty("result").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task A_second_run_replays_every_model_call_of_the_trajectory_from_the_cache_and_a_changed_tool_is_a_miss()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = RefundAgent;
        server.Respond = _ => "refunded";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"r1\",\"input\":\"Refund order 42\"}\n");
        var suite = Suite(server);
        var cacheDir = Path.Combine(dir.Path, ".cache");
        RunRequest Request(CacheMode mode) => new() { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, mode) };
        var settings = new Settings(new Dictionary<string, string>());

        var (first, _) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.ReadWrite), token);
        Assert.True(first.Verdict == Verdict.Pass, first.Reason);
        Assert.Equal(3, server.RequestCount);

        var (replayed, rows) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.Replay), token);
        Assert.True(replayed.Verdict == Verdict.Pass, replayed.Reason);
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(5, rows[0].GetProperty("log").GetProperty("steps").GetArrayLength());

        var changed = suite.Replace("Finds an order by its id.", "Finds an order.", StringComparison.Ordinal);
        var (missed, _) = await SuiteRun.RunAsync(dir, changed, settings, Request(CacheMode.Replay), token);
        Assert.NotEqual(Verdict.Pass, missed.Verdict);
        Assert.Equal(3, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task Tool_names_no_model_config_offers_and_bad_tool_schemas_are_errors_with_file_and_line_in_one_pass()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", """
            {"id":"a","input":"x","expected_tool_calls":[{"name":"lookup_order"},{"name":"lookup_ordr"}]}
            {"id":"b","input":"y","tool_results":[{"name":"send_mail","result":"ok"}]}

            """);
        var suite = Suite(server).Replace("  - name: refund_order\n    result: refund issued", "  - name: refund_ordr\n    result: refund issued", StringComparison.Ordinal);
        var path = dir.File("suite.eval.yaml", suite);

        var loadError = Assert.Throws<SuiteException>(() => EvalRunner.Suites.SuiteLoader.Load(path, TestSettings.With()));
        Assert.Contains("tool_results[1].name: no model config offers a tool 'refund_ordr' (did you mean 'refund_order'?)", loadError.Message, StringComparison.Ordinal);

        var bad = dir.File("bad.eval.yaml", Suite(server).Replace("required: [order_id]\n      - name: refund_order", "required: order_id\n      - name: refund_order", StringComparison.Ordinal)
            .Replace("    - name: refund_order\n", "    - name: refund order\n", StringComparison.Ordinal));
        var schemaError = Assert.Throws<SuiteException>(() => EvalRunner.Suites.SuiteLoader.Load(bad, TestSettings.With()));
        Assert.Contains("the parameters of tool 'lookup_order' are not a valid JSON Schema", schemaError.Message, StringComparison.Ordinal);
        Assert.Contains("tool name 'refund order' must be 1 to 64 letters", schemaError.Message, StringComparison.Ordinal);

        var good = dir.File("good.eval.yaml", Suite(server));
        var loaded = EvalRunner.Suites.SuiteLoader.Load(good, TestSettings.With());
        var datasetError = await Assert.ThrowsAsync<DatasetException>(() => EvalRunner.Suites.SuiteLoader.CheckAsync(loaded, TestSettings.With(), null, token));
        Assert.Contains("cases.jsonl:1: expected_tool_calls[1].name: datapoint 'a': no model config offers a tool 'lookup_ordr' (did you mean 'lookup_order'?)", datasetError.Message, StringComparison.Ordinal);
        Assert.Contains("cases.jsonl:2: tool_results[0].name: datapoint 'b': no model config offers a tool 'send_mail'", datasetError.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_tool_commands_results_are_cached_so_a_replay_starts_neither_the_model_nor_the_tool_and_a_new_call_needs_a_live_run()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = request => request.ToolResults == 0 ? [new FakeToolCall("weather", request.Messages.Any(m => m.Content.Contains("Bergen", StringComparison.Ordinal)) ? "{\"city\":\"Bergen\"}" : "{\"city\":\"Oslo\"}")] : null;
        server.Respond = request => "It is " + request.Messages[^1].Content;
        using var dir = new TempDirectory();
        dir.File("weather.py", "import json, sys\nargs = json.load(sys.stdin)\nopen('calls.txt', 'a').write(args['city'] + '\\n')\nprint('cold in ' + args['city'])\n");
        dir.File("cases.jsonl", "{\"id\":\"w\",\"input\":\"Weather in Oslo?\"}\n");
        var suite = $"""
            dataset: cases.jsonl
            models:
              - name: agent
                provider: openai
                model: gpt-test
                base_url: {server.BaseUrl}
                api_key: sk-agent-test
                tools:
                  - name: weather
                    parameters: {"{"}type: object, properties: {"{"}city: {"{"}type: string{"}"}{"}"}{"}"}
                    command: [python3, weather.py]
            evaluators:
              - type: contains
                value: cold in
            """;
        var cacheDir = Path.Combine(dir.Path, ".cache");
        RunRequest Request(CacheMode mode) => new() { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, mode) };
        var settings = new Settings(new Dictionary<string, string>());

        var (live, _) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.ReadWrite), token);
        Assert.True(live.Verdict == Verdict.Pass, live.Reason);
        Assert.Equal(["Oslo"], File.ReadAllLines(Path.Combine(dir.Path, "calls.txt")));

        var (replayed, rows) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.Replay), token);
        Assert.True(replayed.Verdict == Verdict.Pass, replayed.Reason);
        Assert.Equal(2, server.RequestCount);
        Assert.Equal(["Oslo"], File.ReadAllLines(Path.Combine(dir.Path, "calls.txt")));
        Assert.Equal("cold in Oslo", rows[0].GetProperty("log").GetProperty("steps")[1].GetProperty("result").GetString());

        // A call the cache has not seen: the model's first call is... also new (another prompt), so replay needs a live run.
        dir.File("cases.jsonl", "{\"id\":\"w\",\"input\":\"Weather in Bergen?\"}\n");
        var (missed, missedRows) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.Replay), token);
        Assert.Equal(["Oslo"], File.ReadAllLines(Path.Combine(dir.Path, "calls.txt")));
        Assert.Equal("cache_miss", missedRows[0].GetProperty("log").GetProperty("error").Kind());
        Assert.NotEqual(Verdict.Pass, missed.Verdict);
    }

    [Fact(Timeout = 120000)]
    public async Task Tool_arguments_are_checked_against_the_declared_schema_of_each_tool()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = request => (request.ToolResults, request.Messages.First(m => m.Role == "user").Content) switch
        {
            (0, var q) when q.Contains("good", StringComparison.Ordinal) => [new FakeToolCall("lookup_order", "{\"order_id\":\"42\"}")],
            (0, _) => [new FakeToolCall("lookup_order", "{\"order_id\":42}"), new FakeToolCall("refund_order", "{\"reason\":\"late\"}")],
            _ => null,
        };
        server.Respond = _ => "refunded";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"good\",\"input\":\"good call\"}\n{\"id\":\"bad\",\"input\":\"bad call\"}\n");
        var suite = Suite(server).Replace("  - type: contains\n    value: refunded", "  - type: tool-arguments", StringComparison.Ordinal);

        var (_, rows) = await SuiteRun.RunAsync(dir, suite, token);

        var good = rows.Row("good").Evaluation("tool-arguments");
        Assert.True(good.GetProperty("passed").GetBoolean());
        Assert.Equal(string.Empty, good.GetProperty("reason").GetString());
        var bad = rows.Row("bad").Evaluation("tool-arguments");
        Assert.False(bad.GetProperty("passed").GetBoolean());
        Assert.Equal(2, bad.GetProperty("invalid").GetInt64());
        Assert.StartsWith("call 1, `lookup_order`: /order_id:", bad.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
