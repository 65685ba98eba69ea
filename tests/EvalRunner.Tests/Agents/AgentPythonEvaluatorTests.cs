using EvalRunner.Results;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Agents;

/// <summary>A Python evaluator of an agent gets its tool calls and its trajectory in <c>**kwargs</c>, on the real python3.</summary>
public sealed class AgentPythonEvaluatorTests
{
    private const string Evaluator = """
        def main(input, output, context, full_history, generated_response, **kwargs):
            calls = kwargs['tool_calls']
            steps = kwargs['trajectory']
            return {
                'calls': ' | '.join(f"{c['name']}:{c['arguments'].get('order_id')}:{c['result']}:{c['error'] is not None}" for c in calls),
                'call_keys': ','.join(sorted(calls[0].keys())) if calls else '',
                'kinds': ','.join(s['kind'] for s in steps),
                'step_keys': ','.join(sorted(steps[1].keys())) if steps else '',
                'refund_latency': float(steps[5]['latency_ms']) if steps else 0.0,
                'tokens': bool(steps) and steps[0]['input_tokens'] > 0 and steps[0]['name'] is None,
                'unknown_error': next((c['error'] for c in calls if c['name'] == 'cancel_order'), ''),
            }
        """;

    private static string Suite(FakeOpenAIServer server, bool tools) => $$$"""
        dataset: cases.jsonl
        models:
          - name: agent
            provider: openai
            model: gpt-test
            base_url: {{{server.BaseUrl}}}
            api_key: sk-agent-test
        {{{(tools ? """
                tools:
                  - name: lookup_order
                    parameters: {type: object, properties: {order_id: {type: string}}}
                  - name: refund_order
                    parameters: {type: object, properties: {order_id: {type: string}, reason: {type: string}}}
            tool_results:
              - name: lookup_order
                result: delivered
              - name: refund_order
                result: refund issued
                latency_ms: 120
            """ : string.Empty)}}}
        evaluators:
          - name: agent_check
            type: python
            file: check.py
            columns: {calls: string, call_keys: string, kinds: string, step_keys: string, refund_latency: float, tokens: bool, unknown_error: string}
        """;

    [Fact(Timeout = 120000)]
    public async Task Python_gets_the_tool_calls_and_every_step_of_the_trajectory_in_kwargs()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = request => request.ToolResults switch
        {
            0 => [new FakeToolCall("lookup_order", "{\"order_id\":\"42\"}")],
            1 => [new FakeToolCall("cancel_order", "{\"order_id\":\"42\"}")],
            2 => [new FakeToolCall("refund_order", "{\"order_id\":\"42\",\"reason\":\"late\"}")],
            _ => null,
        };
        server.Respond = _ => "Refunded.";
        using var dir = new TempDirectory();
        dir.File("check.py", Evaluator);
        dir.File("cases.jsonl", "{\"id\":\"r1\",\"input\":\"Refund order 42\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server, tools: true), token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        var check = rows.Row("r1").Evaluation("agent_check");
        Assert.Equal("lookup_order:42:delivered:False | cancel_order:42:None:True | refund_order:42:refund issued:False", check.GetProperty("calls").GetString());
        Assert.Equal("arguments,error,name,result", check.GetProperty("call_keys").GetString());
        Assert.Equal("model,tool,model,tool,model,tool,model", check.GetProperty("kinds").GetString());
        Assert.Equal("arguments,call_id,cut,error,input_tokens,kind,latency_ms,name,output_tokens,result", check.GetProperty("step_keys").GetString());
        Assert.Equal(120, check.GetProperty("refund_latency").GetDouble());
        Assert.True(check.GetProperty("tokens").GetBoolean());
        Assert.Contains("cancel_order", check.GetProperty("unknown_error").GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Without_tools_both_are_empty_lists()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        using var dir = new TempDirectory();
        dir.File("check.py", Evaluator);
        dir.File("cases.jsonl", "{\"id\":\"plain\",\"input\":\"Hi\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server, tools: false), token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        var check = rows.Row("plain").Evaluation("agent_check");
        Assert.Equal(string.Empty, check.GetProperty("calls").GetString());
        Assert.Equal(string.Empty, check.GetProperty("kinds").GetString());
        Assert.False(check.GetProperty("tokens").GetBoolean());
    }
}
