using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;
using Microsoft.Extensions.AI;

namespace EvalRunner.Tests.Datasets;

/// <summary>Datasets and logs that carry tool calls: conversations that used tools, expected tool calls, canned results, trajectories.</summary>
public sealed class ToolCallDatasetTests
{
    private const string WeatherMessages = """[{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"}, {"role": "assistant", "content": "It is 18 C and sunny."}, {"role": "user", "content": "And tomorrow?"}]""";

    private static async Task<List<Datapoint>> ReadAsync(string path)
    {
        var list = new List<Datapoint>();
        await foreach (var datapoint in Dataset.ReadAsync(path, TestContext.Current.CancellationToken))
        {
            list.Add(datapoint);
        }

        return list;
    }

    private static async Task<DatasetException> ProblemsAsync(string path)
    {
        var problems = new ProblemList();
        await foreach (var datapoint in Dataset.ReadAsync(path, problems, TestContext.Current.CancellationToken))
        {
            Assert.Fail($"datapoint '{datapoint.Id}' should not have been read");
        }

        return Assert.Throws<DatasetException>(() => problems.ThrowIfAny(dataset: true));
    }

    private static async Task<List<Datapoint>> ReadAsync(Suite suite)
    {
        var datapoints = new List<Datapoint>();
        await foreach (var datapoint in suite.ReadDatapointsAsync(TestContext.Current.CancellationToken))
        {
            datapoints.Add(datapoint);
        }

        return datapoints;
    }

    private static void AssertWeatherConversation(Datapoint datapoint)
    {
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant, ChatRole.User], datapoint.Messages.Select(m => m.Role));
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(datapoint.Messages[1].Contents));
        Assert.Equal(("call_1", "get_weather"), (call.CallId, call.Name));
        Assert.Equal("Paris", Assert.IsType<JsonElement>(call.Arguments!["city"]).GetString());
        var result = Assert.IsType<FunctionResultContent>(Assert.Single(datapoint.Messages[2].Contents));
        Assert.Equal(("call_1", "18 C, sunny"), (result.CallId, result.Result as string));
        Assert.Equal("And tomorrow?", datapoint.Input);
        Assert.Equal(
            "user: Weather in Paris?\nassistant: [tool_call get_weather({\"city\":\"Paris\"})]\ntool: 18 C, sunny\nassistant: It is 18 C and sunny.\nuser: And tomorrow?",
            datapoint.FullHistory);
    }

    [Fact]
    public async Task Messages_in_the_OpenAI_tool_shape_become_function_calls_and_results_in_JSONL_JSON_and_YAML()
    {
        using var dir = new TempDirectory();
        var jsonl = await ReadAsync(dir.File("cases.jsonl", $$"""{"id": "a", "messages": {{WeatherMessages}}}""" + "\n"));
        var json = await ReadAsync(dir.File("cases.json", $$"""[{"id": "a", "messages": {{WeatherMessages}}}]"""));
        var yaml = await ReadAsync(dir.File("cases.yaml", """
            - id: a
              messages:
                - {role: user, content: Weather in Paris?}
                - role: assistant
                  tool_calls:
                    - id: call_1
                      type: function
                      function: {name: get_weather, arguments: '{"city": "Paris"}'}
                - {role: tool, tool_call_id: call_1, content: "18 C, sunny"}
                - {role: assistant, content: It is 18 C and sunny.}
                - {role: user, content: And tomorrow?}
            """));

        AssertWeatherConversation(Assert.Single(jsonl));
        AssertWeatherConversation(Assert.Single(json));
        AssertWeatherConversation(Assert.Single(yaml));
    }

    [Fact]
    public async Task A_CSV_messages_column_may_hold_a_conversation_with_tool_calls()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.csv", "id,messages\na,\"" + WeatherMessages.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"\n");

        AssertWeatherConversation(Assert.Single(await ReadAsync(path)));
    }

    [Fact]
    public async Task Bad_tool_call_shapes_are_reported_in_one_pass_each_with_its_line_and_field()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.jsonl", """
            {"id": "a", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": null, "tool_calls": {"id": "c1"}}]}
            {"id": "b", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{city: Paris"}}]}]}
            {"id": "c", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "content": "done"}]}
            {"id": "d", "messages": [{"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "c9", "content": "done"}]}
            {"id": "e", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"arguments": "{}"}}]}]}
            {"id": "f", "messages": [{"role": "user", "content": "x", "tool_calls": []}]}

            """);

        var ex = await ProblemsAsync(path);

        Assert.Contains($"{path}:1: messages[1].tool_calls: must be a list of tool calls ({{id, type: function, function: {{name, arguments}}}}), not an object", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:2: messages[1].tool_calls[0].function.arguments: is not valid JSON; the arguments are a JSON object, or a string holding one", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:3: messages[2].tool_call_id: is missing: a tool message answers one tool call of an earlier assistant message and names its id", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:4: messages[1].tool_call_id: 'c9' is the id of no tool call of an earlier assistant message", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:5: messages[1].tool_calls[0].function.name: is missing (the tool's name)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:6: messages[0].tool_calls: only an assistant message calls tools", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_conversation_that_used_tools_is_sent_to_the_model_as_it_is()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", $$"""{"id": "a", "messages": {{WeatherMessages}}}""" + "\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, $$"""
            dataset: cases.jsonl
            models:
              - {name: bot, provider: openai, model: bot, base_url: {{server.BaseUrl}}}
            evaluators:
              - {type: length}
            """, TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, result.Verdict);
        var sent = Assert.Single(server.Requests).Body.GetProperty("messages");
        Assert.Equal(5, sent.GetArrayLength());
        var call = Assert.Single(sent[1].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("call_1", call.GetProperty("id").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("Paris", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString());
        Assert.Equal("tool", sent[2].GetProperty("role").GetString());
        Assert.Equal("call_1", sent[2].GetProperty("tool_call_id").GetString());
        Assert.Equal("18 C, sunny", sent[2].GetProperty("content").GetString());
        Assert.Equal("You said: And tomorrow?", rows.Row("a").GetProperty("log").GetProperty("generated_response").GetString());
    }

    [Fact]
    public void The_JSON_a_program_under_test_receives_keeps_the_tool_calls_of_the_conversation()
    {
        var datapoint = new Datapoint
        {
            Id = "a",
            Messages =
            [
                new ChatMessage(ChatRole.User, "Weather in Paris?"),
                new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call_1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
                new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call_1", "18 C, sunny")]),
            ],
        };

        using var json = JsonDocument.Parse(DatapointJson.ToUtf8(datapoint, prompt: null));

        var messages = json.RootElement.GetProperty("messages");
        Assert.Equal(JsonValueKind.Null, messages[1].GetProperty("content").ValueKind);
        var call = Assert.Single(messages[1].GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(("call_1", "function", "get_weather"), (call.GetProperty("id").GetString(), call.GetProperty("type").GetString(), call.GetProperty("function").GetProperty("name").GetString()));
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.Equal("""{"role":"tool","tool_call_id":"call_1","content":"18 C, sunny"}""", messages[2].GetRawText());
        Assert.Equal("""{"role":"user","content":"Weather in Paris?"}""", messages[0].GetRawText());
    }

    [Fact]
    public async Task Two_datapoints_that_differ_only_in_their_tool_calls_get_different_derived_ids()
    {
        using var dir = new TempDirectory();
        var paris = WeatherMessages;
        var rome = WeatherMessages.Replace("Paris\\\"}", "Rome\\\"}", StringComparison.Ordinal);
        Assert.NotEqual(paris, rome);
        var path = dir.File("cases.jsonl", $$"""
            {"messages": {{paris}}}
            {"messages": {{rome}}}
            {"input": "x", "expected_tool_calls": [{"name": "f"}]}
            {"input": "x", "expected_tool_calls": [{"name": "g"}]}

            """);

        var datapoints = await ReadAsync(path);

        Assert.Equal(4, datapoints.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public async Task Expected_tool_calls_and_tool_results_are_read_from_JSONL_YAML_and_CSV()
    {
        using var dir = new TempDirectory();
        var jsonl = dir.File("cases.jsonl", """
            {"id": "a", "input": "Refund A1", "expected_tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "A1"}}, {"name": "refund_order", "arguments": "{\"order_id\": \"A1\"}"}, {"name": "notify"}], "tool_results": [{"name": "lookup_order", "arguments": {"order_id": "A1"}, "result": {"status": "paid", "total": 12.5}, "latency_ms": 40}, {"name": "refund_order", "result": "refunded"}, {"name": "notify", "error": "mail server down"}]}

            """);
        var yaml = dir.File("cases.yaml", """
            - id: a
              input: Refund A1
              expected_tool_calls:
                - name: lookup_order
                  arguments: {order_id: A1}
              tool_results:
                - {name: lookup_order, result: "found"}
            """);
        var csv = dir.File("cases.csv", "id,input,expected_tool_calls,tool_results\na,Refund A1,\"[{\"\"name\"\": \"\"lookup_order\"\", \"\"arguments\"\": {\"\"order_id\"\": \"\"A1\"\"}}]\",\"[{\"\"name\"\": \"\"lookup_order\"\", \"\"result\"\": 7}]\"\n");

        var fromJsonl = Assert.Single(await ReadAsync(jsonl));
        var fromYaml = Assert.Single(await ReadAsync(yaml));
        var fromCsv = Assert.Single(await ReadAsync(csv));

        Assert.Equal(["lookup_order", "refund_order", "notify"], fromJsonl.ExpectedToolCalls.Select(c => c.Name));
        Assert.Equal("A1", fromJsonl.ExpectedToolCalls[0].Arguments!.Value.GetProperty("order_id").GetString());
        Assert.Equal("A1", fromJsonl.ExpectedToolCalls[1].Arguments!.Value.GetProperty("order_id").GetString());
        Assert.Null(fromJsonl.ExpectedToolCalls[2].Arguments);
        var lookup = fromJsonl.ToolResults[0];
        Assert.Equal(("lookup_order", """{"status": "paid", "total": 12.5}""", null, 40.0), (lookup.Name, lookup.Result, lookup.Error, lookup.LatencyMs));
        Assert.Equal("A1", lookup.Arguments!.Value.GetProperty("order_id").GetString());
        Assert.Equal(new SourceLocation(jsonl, 1, Field: "tool_results[0]"), lookup.Location);
        Assert.Equal(("refunded", null, 0.0), (fromJsonl.ToolResults[1].Result, fromJsonl.ToolResults[1].Arguments, fromJsonl.ToolResults[1].LatencyMs));
        Assert.Equal((null, "mail server down"), (fromJsonl.ToolResults[2].Result, fromJsonl.ToolResults[2].Error));

        Assert.Equal("A1", Assert.Single(fromYaml.ExpectedToolCalls).Arguments!.Value.GetProperty("order_id").GetString());
        Assert.Equal("found", Assert.Single(fromYaml.ToolResults).Result);

        Assert.Equal("A1", Assert.Single(fromCsv.ExpectedToolCalls).Arguments!.Value.GetProperty("order_id").GetString());
        Assert.Equal("7", Assert.Single(fromCsv.ToolResults).Result);
    }

    [Fact]
    public async Task Bad_expected_tool_calls_and_tool_results_are_reported_in_one_pass_with_line_and_field()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.jsonl", """
            {"id": "a", "input": "x", "expected_tool_calls": {"name": "f"}}
            {"id": "b", "input": "x", "expected_tool_calls": [{"arguments": {}}]}
            {"id": "c", "input": "x", "expected_tool_calls": [{"name": "f", "arguments": "{not json"}]}
            {"id": "d", "input": "x", "expected_tool_calls": [{"name": "f", "argument": {}}]}
            {"id": "e", "input": "x", "tool_results": [{"name": "f"}]}
            {"id": "f", "input": "x", "tool_results": [{"name": "f", "result": "ok", "error": "bad"}]}
            {"id": "g", "input": "x", "tool_results": [{"name": "f", "result": "ok", "latency_ms": -3}]}
            {"id": "h", "input": "x", "tool_results": [{"name": "f", "arguments": [1], "result": "ok"}]}

            """);

        var ex = await ProblemsAsync(path);

        Assert.Contains($"{path}:1: expected_tool_calls: must be a list of {{name, arguments}} tool calls, not an object", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:2: expected_tool_calls[0].name: is missing (the tool's name)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:3: expected_tool_calls[0].arguments: is not valid JSON; the arguments are a JSON object, or a string holding one", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:4: expected_tool_calls[0].argument: unknown key 'argument' (did you mean 'arguments'?); a tool call has name and arguments", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:5: tool_results[0]: needs 'result' (what the tool returns) or 'error' (why it fails)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:6: tool_results[0]: gives both 'result' and 'error'; a canned result either returns or fails", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:7: tool_results[0].latency_ms: must be a number of 0 or more, not -3", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:8: tool_results[0].arguments: must be a JSON object (or a string holding one), not a list", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_supplied_log_brings_its_steps_which_the_run_keeps_in_results()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "a", "input": "Refund A1", "generated_response": "Refunded.", "steps": [{"kind": "model", "input_tokens": 30, "output_tokens": 8, "latency_ms": 200}, {"kind": "tool", "name": "lookup_order", "call_id": "c1", "arguments": {"order_id": "A1"}, "result": {"status": "paid"}, "latency_ms": 12}, {"kind": "tool", "name": "refund_order", "arguments": "{\"order_id\": \"A1\"}", "error": "timed out"}, {"kind": "model"}]}

            """);

        var (suite, result, rows) = await SuiteRun.RunAsync(dir, "dataset: logs.jsonl\nevaluators: [{type: length}]\n", TestContext.Current.CancellationToken);

        var steps = Assert.Single(await ReadAsync(suite)).SuppliedLog!.Steps!;
        Assert.Equal([StepKind.Model, StepKind.Tool, StepKind.Tool, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal((30L, 8L, 200.0), (steps[0].InputTokens, steps[0].OutputTokens, steps[0].LatencyMs));
        Assert.Equal(("lookup_order", "c1", """{"status": "paid"}""", 12.0), (steps[1].Name, steps[1].CallId, steps[1].Result, steps[1].LatencyMs));
        Assert.Equal("A1", steps[1].Arguments!.Value.GetProperty("order_id").GetString());
        Assert.Equal("A1", steps[2].Arguments!.Value.GetProperty("order_id").GetString());
        Assert.True(steps[2].IsFailed);
        Assert.Equal(Verdict.Pass, result.Verdict);
        var written = rows.Row("a").GetProperty("log").GetProperty("steps");
        Assert.Equal(4, written.GetArrayLength());
        Assert.Equal("timed out", written[2].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Bad_steps_of_a_supplied_log_are_errors_with_line_and_field()
    {
        using var dir = new TempDirectory();
        var path = dir.File("logs.jsonl", """
            {"id": "a", "input": "x", "steps": [{"kind": "tool", "name": "f", "result": "ok"}]}
            {"id": "b", "input": "x", "generated_response": "y", "steps": [{"kind": "thought"}]}
            {"id": "c", "input": "x", "generated_response": "y", "steps": [{"kind": "tool", "result": "ok"}]}
            {"id": "d", "input": "x", "generated_response": "y", "steps": {"kind": "tool"}}
            {"id": "e", "input": "x", "generated_response": "y", "steps": [{"kind": "tool", "name": "f", "reslt": "ok"}]}

            """);

        var ex = await ProblemsAsync(path);

        Assert.Contains($"{path}:1: steps: 'steps' describes a response generated elsewhere, but the datapoint has no 'generated_response'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:2: steps[0].kind: must be model or tool, not 'thought'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:3: steps[0].name: is missing: a tool step names its tool", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:4: steps: must be a list of steps ({{kind: model|tool, name, arguments, result, error, latency_ms, ...}}), not an object", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{path}:5: steps[0].reslt: unknown key 'reslt' (did you mean 'result'?)", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task An_OpenAI_chat_log_whose_conversation_called_tools_after_the_last_user_message_has_them_as_its_steps()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"request": {"model": "gpt-4o", "messages": [{"role": "system", "content": "You are a weather bot."}, {"role": "user", "content": "Weather in Paris and Rome?"}, {"role": "assistant", "content": "Let me look.", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}, {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Rome\"}"}}]}, {"role": "tool", "tool_call_id": "call_2", "content": "25 C"}, {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "18 C"}]}]}, "response": {"id": "chatcmpl-9", "model": "gpt-4o", "choices": [{"message": {"role": "assistant", "content": "Paris 18 C, Rome 25 C."}}], "usage": {"prompt_tokens": 80, "completion_tokens": 9}}}

            """);

        var (suite, result, rows) = await SuiteRun.RunAsync(dir, """
            dataset: {path: logs.jsonl, format: openai-chat}
            evaluators: [{type: length}]
            """, TestContext.Current.CancellationToken);

        var datapoint = Assert.Single(await ReadAsync(suite));
        Assert.Equal([ChatRole.System, ChatRole.User], datapoint.Messages.Select(m => m.Role));
        Assert.Equal("Weather in Paris and Rome?", datapoint.Input);
        var log = datapoint.SuppliedLog!;
        Assert.Equal("Paris 18 C, Rome 25 C.", log.Response);
        var steps = log.Steps!;
        Assert.Equal([StepKind.Model, StepKind.Tool, StepKind.Tool, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal(("get_weather", "call_1", "18 C"), (steps[1].Name, steps[1].CallId, steps[1].Result));
        Assert.Equal("Paris", steps[1].Arguments!.Value.GetProperty("city").GetString());
        Assert.Equal(("get_weather", "call_2", "25 C"), (steps[2].Name, steps[2].CallId, steps[2].Result));
        Assert.Equal((80L, 9L), (steps[3].InputTokens, steps[3].OutputTokens));
        Assert.Equal(Verdict.Pass, result.Verdict);
        var row = rows.Row("chatcmpl-9");
        Assert.Equal(4, row.GetProperty("log").GetProperty("steps").GetArrayLength());
        Assert.Equal("Weather in Paris and Rome?", row.GetProperty("input").GetString());
        Assert.Equal("Paris 18 C, Rome 25 C.", row.GetProperty("log").GetProperty("generated_response").GetString());
    }

    [Fact]
    public async Task An_OpenAI_chat_log_whose_answer_only_calls_tools_has_those_calls_as_steps_and_no_text()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "chatcmpl-1", "model": "gpt-4o", "messages": [{"role": "user", "content": "Weather in Paris?"}], "choices": [{"message": {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}}]}

            """);
        var suite = SuiteLoader.Load(dir.File("suite.eval.yaml", "dataset: {path: logs.jsonl, format: openai-chat}\nevaluators: [{type: length}]\n"), TestSettings.With());

        var log = Assert.Single(await ReadAsync(suite)).SuppliedLog!;

        Assert.Equal(string.Empty, log.Response);
        Assert.Equal([StepKind.Model, StepKind.Tool], log.Steps!.Select(s => s.Kind));
        Assert.Equal(("get_weather", "call_1", null, null), (log.Steps![1].Name, log.Steps[1].CallId, log.Steps[1].Result, log.Steps[1].Error));
    }

    [Fact]
    public async Task An_OpenAI_chat_log_with_a_bad_tool_call_is_an_error_naming_the_field_of_the_log()
    {
        using var dir = new TempDirectory();
        var logs = dir.File("logs.jsonl", """
            {"id": "chatcmpl-1", "messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{city"}}]}, {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}], "choices": [{"message": {"role": "assistant", "content": "18 C."}}]}
            {"id": "chatcmpl-2", "messages": [{"role": "user", "content": "Weather?"}, {"role": "tool", "content": "18 C"}], "choices": [{"message": {"role": "assistant", "content": "18 C."}}]}

            """);
        var suite = SuiteLoader.Load(dir.File("suite.eval.yaml", "dataset: {path: logs.jsonl, format: openai-chat}\nevaluators: [{type: length}]\n"), TestSettings.With());

        var ex = await Assert.ThrowsAsync<DatasetException>(() => RunEngine.CountDatapointsAsync(suite, null, TestContext.Current.CancellationToken));

        Assert.Contains($"{logs}:1: messages[1].tool_calls[0].function.arguments: is not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{logs}:2: messages[1].tool_call_id: is missing", ex.Message, StringComparison.Ordinal);
    }
    [Fact(Timeout = 120000)]
    public async Task A_Python_evaluator_sees_the_tool_calls_of_the_conversation_in_messages_and_full_history()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", $$"""{"id": "a", "messages": {{WeatherMessages}}, "generated_response": "Rain."}""" + "\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, """
            dataset: cases.jsonl
            evaluators:
              - name: tools
                type: python
                code: |
                  def main(input, output, context, full_history, generated_response, **kwargs):
                      messages = kwargs["messages"]
                      call = messages[1]["tool_calls"][0]
                      return {
                          "called": call["function"]["name"] + " " + call["function"]["arguments"],
                          "answered": messages[2]["tool_call_id"] + " " + messages[2]["content"],
                          "shown": "assistant: [tool_call get_weather(" in full_history,
                      }
            """, TestContext.Current.CancellationToken);

        var row = rows.Row("a");
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal("""get_weather {"city":"Paris"}""", row.Evaluation("tools").GetProperty("called").GetString());
        Assert.Equal("call_1 18 C, sunny", row.Evaluation("tools").GetProperty("answered").GetString());
        Assert.True(row.Evaluation("tools").GetProperty("shown").GetBoolean());
    }
    [Fact]
    public async Task An_OpenAI_chat_log_in_the_older_function_call_shape_is_read_as_tool_calls()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "chatcmpl-1", "messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": null, "function_call": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}, {"role": "function", "name": "get_weather", "content": "18 C"}, {"role": "assistant", "content": "18 C."}, {"role": "user", "content": "And Rome?"}, {"role": "assistant", "content": null, "function_call": {"name": "get_weather", "arguments": "{\"city\": \"Rome\"}"}}, {"role": "function", "name": "get_weather", "content": "25 C"}], "choices": [{"message": {"role": "assistant", "content": "25 C."}}]}

            """);
        var suite = SuiteLoader.Load(dir.File("suite.eval.yaml", "dataset: {path: logs.jsonl, format: openai-chat}\nevaluators: [{type: length}]\n"), TestSettings.With());

        var datapoint = Assert.Single(await ReadAsync(suite));

        Assert.Equal("user: Weather in Paris?\nassistant: [tool_call get_weather({\"city\":\"Paris\"})]\ntool: 18 C\nassistant: 18 C.\nuser: And Rome?", datapoint.FullHistory);
        var steps = datapoint.SuppliedLog!.Steps!;
        Assert.Equal([StepKind.Model, StepKind.Tool, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal(("get_weather", "25 C"), (steps[1].Name, steps[1].Result));
        Assert.Equal("Rome", steps[1].Arguments!.Value.GetProperty("city").GetString());
        Assert.Equal("25 C.", datapoint.SuppliedLog.Response);
    }
}
