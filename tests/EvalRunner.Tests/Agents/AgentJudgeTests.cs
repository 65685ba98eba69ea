using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Templates;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Agents;

/// <summary>An LLM judge of an agent sees its tool calls, its trajectory and the tools it was offered.</summary>
public sealed class AgentJudgeTests
{
    private static string Suite(FakeOpenAIServer server, string prompt, string extra = "", string result = "{status: delivered, total: 30}") => $$$"""
        name: agent
        dataset: cases.jsonl
        models:
          - name: agent
            provider: openai
            model: gpt-test
            base_url: {{{server.BaseUrl}}}
            api_key: sk-agent-test
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
        tool_results:
          - name: lookup_order
            result: {{{result}}}
          - name: refund_order
            result: refund issued
            latency_ms: 120
        judge:
          provider: openai
          model: judge-model
          base_url: {{{server.BaseUrl}}}
        evaluators:
          - name: judge
            type: llm
            prompt: |
              {{{prompt}}}
            output_schema:
              - {name: good, type: integer, description: 'Tool use, 1-5', min: 1, max: 5}
        {{{extra}}}
        """;

    /// <summary>The agent looks the order up, calls a tool that does not exist, refunds the order, then answers; the judge answers 5.</summary>
    private static FakeOpenAIServer Scripted(FakeOpenAIServer server)
    {
        server.CallTools = request => request.Model == "judge-model" ? null : request.ToolResults switch
        {
            0 => [new FakeToolCall("lookup_order", "{\"order_id\":\"42\"}")],
            1 => [new FakeToolCall("cancel_order", "{\"order_id\":\"42\"}")],
            2 => [new FakeToolCall("refund_order", "{\"order_id\":\"42\",\"reason\":\"late\"}")],
            _ => null,
        };
        server.Respond = request => request.Model == "judge-model" ? """{"good": 5}""" : "Your order was refunded.";
        return server;
    }

    private static string JudgePrompt(FakeOpenAIServer server) => server.Requests.Single(r => r.Model == "judge-model").Messages[1].Content;

    [Fact(Timeout = 120000)]
    public async Task The_judge_prompt_gets_the_tool_calls_the_numbered_trajectory_and_the_tool_declarations_fenced_as_data()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = Scripted(await FakeOpenAIServer.StartAsync(token));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"r1\",\"input\":\"Refund order 42, it came late\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server, "Calls: {tool_calls}\n      Steps: {trajectory}\n      Tools: {tools}\n      Answer: {generated_response}"), token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Equal(5, rows.Row("r1").Evaluation("judge").GetProperty("good").GetInt64());
        var prompt = JudgePrompt(server);
        Assert.Contains(
            "Calls: <data name=\"tool_calls\">\n"
            + "lookup_order({\"order_id\":\"42\"}) → {\"status\":\"delivered\",\"total\":30}\n"
            + "cancel_order({\"order_id\":\"42\"}) ✗ ",
            prompt,
            StringComparison.Ordinal);
        Assert.Contains("\nrefund_order({\"order_id\":\"42\",\"reason\":\"late\"}) → refund issued\n</data>", prompt, StringComparison.Ordinal);

        var trajectory = prompt[prompt.IndexOf("<data name=\"trajectory\">\n", StringComparison.Ordinal)..];
        trajectory = trajectory[..(trajectory.IndexOf("</data>", StringComparison.Ordinal) + "</data>".Length)];
        var lines = trajectory.Split('\n')[1..^1];
        Assert.Equal(7, lines.Length);
        Assert.Matches(@"^1\. model call: \d+ tokens in, \d+ out, \d+ ms$", lines[0]);
        Assert.StartsWith("2. tool lookup_order({\"order_id\":\"42\"}) → {\"status\":\"delivered\",\"total\":30}", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("3. model call: ", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("4. tool cancel_order({\"order_id\":\"42\"}) ✗ ", lines[3], StringComparison.Ordinal);
        Assert.Equal("6. tool refund_order({\"order_id\":\"42\",\"reason\":\"late\"}) → refund issued; 120 ms", lines[5]);
        Assert.StartsWith("7. model call: ", lines[6], StringComparison.Ordinal);

        Assert.Contains(
            "Tools: <data name=\"tools\">\n"
            + "lookup_order: Finds an order by its id.\n"
            + "  parameters: {\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\"}},\"required\":[\"order_id\"]}\n"
            + "refund_order: Refunds an order.\n"
            + "  parameters: {\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\"},\"reason\":{\"type\":\"string\"}},\"required\":[\"order_id\"]}\n"
            + "</data>",
            prompt,
            StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_log_without_tools_gives_the_judge_empty_tool_values()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.Respond = request => request.Model == "judge-model" ? """{"good": 3}""" : "Hello.";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"plain\",\"input\":\"Hi\"}\n");
        var suite = $$"""
            dataset: cases.jsonl
            models:
              - provider: openai
                model: bot
                base_url: {{server.BaseUrl}}
            judge:
              provider: openai
              model: judge-model
              base_url: {{server.BaseUrl}}
            evaluators:
              - name: judge
                type: llm
                prompt: "Calls: {tool_calls} Steps: {trajectory} Tools: {tools}"
                output_schema:
                  - {name: good, type: integer, description: 'Tool use, 1-5'}
            """;

        var (result, _) = await SuiteRun.RunAsync(dir, suite, token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        var prompt = JudgePrompt(server);
        Assert.Contains("Calls: <data name=\"tool_calls\">\n\n</data> Steps: <data name=\"trajectory\">\n\n</data> Tools: <data name=\"tools\">\n\n</data>", prompt, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Tool_values_longer_than_max_output_bytes_are_cut_with_a_mark()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = Scripted(await FakeOpenAIServer.StartAsync(token));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"r1\",\"input\":\"Refund order 42, it came late\"}\n");
        var suite = Suite(server, "Calls: {tool_calls}", "run:\n  max_output_bytes: 1024\n", result: new string('x', 950));

        var (result, _) = await SuiteRun.RunAsync(dir, suite, token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        var calls = JudgePrompt(server);
        calls = calls[calls.IndexOf("<data name=\"tool_calls\">\n", StringComparison.Ordinal)..];
        Assert.StartsWith("<data name=\"tool_calls\">\nlookup_order({\"order_id\":\"42\"}) → xxx", calls, StringComparison.Ordinal);
        Assert.Contains("… (cut at run.max_output_bytes)\n</data>", calls, StringComparison.Ordinal);
        Assert.DoesNotContain("refund issued", calls, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_variable_names_the_tool_variables_as_known()
    {
        var ex = Assert.Throws<FormatException>(() => PromptTemplate.Parse("{tool_call}", "judge prompt", allowResponse: true));

        Assert.Contains("{tool_calls}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("{trajectory}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("{tools}", ex.Message, StringComparison.Ordinal);
    }
}
