using System.Text.Json;
using EvalRunner.Evaluators;
using EvalRunner.Results;
using EvalRunner.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using MeaiEvaluator = Microsoft.Extensions.AI.Evaluation.IEvaluator;

namespace EvalRunner.Tests.Agents;

/// <summary>
/// An evaluator from Microsoft.Extensions.AI.Evaluation sees an agent's tool calls as function call and result contents
/// of the response, and the tools offered as a <see cref="ToolDefinitionsContext"/>.
/// </summary>
public sealed class AgentExtensionsAIEvaluatorTests
{
    /// <summary>Writes down what it was given: the response's messages and contents, and the tool definitions.</summary>
    private sealed class ToolUseEvaluator : MeaiEvaluator
    {
        public IReadOnlyCollection<string> EvaluationMetricNames => ["Messages", "Calls", "Results", "Definitions", "Answer"];

        public ValueTask<EvaluationResult> EvaluateAsync(
            IEnumerable<ChatMessage> messages,
            ChatResponse modelResponse,
            ChatConfiguration? chatConfiguration = null,
            IEnumerable<Microsoft.Extensions.AI.Evaluation.EvaluationContext>? additionalContext = null,
            CancellationToken cancellationToken = default)
        {
            var roles = string.Join(",", modelResponse.Messages.Select(m => m.Role.Value));
            var calls = modelResponse.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()
                .Select(c => $"{c.CallId}:{c.Name}({string.Join(",", (c.Arguments ?? new Dictionary<string, object?>()).Select(a => $"{a.Key}={a.Value}"))})");
            var results = modelResponse.Messages.Where(m => m.Role == ChatRole.Tool).SelectMany(m => m.Contents).OfType<FunctionResultContent>()
                .Select(r => $"{r.CallId}:{(r.Exception is { } ex ? "error " + ex.Message : r.Result)}");
            var tools = additionalContext?.OfType<ToolDefinitionsContext>().SingleOrDefault()?.ToolDefinitions ?? [];
            var definitions = tools.OfType<AIFunctionDeclaration>()
                .Select(t => $"{t.Name}: {t.Description} [{string.Join(",", t.JsonSchema.GetProperty("properties").EnumerateObject().Select(p => p.Name))}]");
            return ValueTask.FromResult(new EvaluationResult(
                new StringMetric("Messages", roles),
                new StringMetric("Calls", string.Join(" | ", calls)),
                new StringMetric("Results", string.Join(" | ", results)),
                new StringMetric("Definitions", string.Join(" | ", definitions)),
                new StringMetric("Answer", modelResponse.Messages[^1].Text)));
        }
    }

    [Fact(Timeout = 120000)]
    public async Task The_response_has_a_function_call_and_a_function_result_for_each_tool_step_and_the_definitions_come_as_context()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = request => request.ToolResults switch
        {
            0 => [new FakeToolCall("lookup_order", "{\"order_id\":\"42\"}"), new FakeToolCall("cancel_order", "{\"order_id\":\"42\"}")],
            2 => [new FakeToolCall("refund_order", "{\"order_id\":\"42\",\"reason\":\"late\"}")],
            _ => null,
        };
        server.Respond = _ => "Refunded.";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"r1\",\"input\":\"Refund order 42\"}\n");
        var path = dir.File("s.eval.yaml", $$$$"""
            dataset: cases.jsonl
            models:
              - name: agent
                provider: openai
                model: gpt-test
                base_url: {{{{server.BaseUrl}}}}
                api_key: sk-agent-test
                tools:
                  - name: lookup_order
                    description: Finds an order.
                    parameters: {type: object, properties: {order_id: {type: string}}}
                  - name: refund_order
                    description: Refunds an order.
                    parameters: {type: object, properties: {order_id: {type: string}, reason: {type: string}}}
            tool_results:
              - name: lookup_order
                result: delivered
              - name: refund_order
                result: refund issued
            """);
        var evaluator = new ExtensionsAIEvaluator("tool_use", new ToolUseEvaluator(),
            ExtensionsAIMetric.String("Messages"), ExtensionsAIMetric.String("Calls"), ExtensionsAIMetric.String("Results"), ExtensionsAIMetric.String("Definitions"), ExtensionsAIMetric.String("Answer"));

        var (_, result, rows) = await SuiteRun.RunAsync(path, TestSettings.With(), new SuiteRunOptions { Evaluators = [evaluator] }, token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        var values = rows.Row("r1").Evaluation("tool_use");
        Assert.Equal("assistant,tool,assistant,tool,assistant", values.GetProperty("messages").GetString());
        Assert.Equal("call_1:lookup_order(order_id=42) | call_2:cancel_order(order_id=42) | call_3:refund_order(order_id=42,reason=late)", values.GetProperty("calls").GetString());
        var results = values.GetProperty("results").GetString()!;
        Assert.StartsWith("call_1:delivered | call_2:error ", results, StringComparison.Ordinal);
        Assert.EndsWith(" | call_3:refund issued", results, StringComparison.Ordinal);
        Assert.Equal("lookup_order: Finds an order. [order_id] | refund_order: Refunds an order. [order_id,reason]", values.GetProperty("definitions").GetString());
        Assert.Equal("Refunded.", values.GetProperty("answer").GetString());
    }

    [Fact]
    public void The_context_lists_the_definitions_as_text_too()
    {
        var declaration = AIFunctionFactory.CreateDeclaration("lookup_order", "Finds an order.", JsonDocument.Parse("{\"type\":\"object\"}").RootElement);

        var context = new ToolDefinitionsContext([declaration]);

        Assert.Equal(ToolDefinitionsContext.ToolDefinitionsContextName, context.Name);
        Assert.Same(declaration, Assert.Single(context.ToolDefinitions));
        Assert.Equal("lookup_order: Finds an order.\n  parameters: {\"type\":\"object\"}", Assert.IsType<TextContent>(Assert.Single(context.Contents)).Text);
    }
}
