using EvalRunner.Results;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Agents;

/// <summary>Your own agent behind the command provider returns its trajectory with its answer (steps_path).</summary>
public sealed class OwnAgentTests
{
    private const string Agent = """
        import json, sys
        datapoint = json.load(sys.stdin)
        if "broken" in datapoint["input"]:
            print(json.dumps({"response": "?", "steps": [{"kind": "teleport"}]}))
        else:
            print(json.dumps({
                "response": "Order 42 is refunded.",
                "steps": [
                    {"kind": "model", "latency_ms": 400, "input_tokens": 50, "output_tokens": 9},
                    {"kind": "tool", "name": "lookup_order", "arguments": {"order_id": "42"}, "result": "late", "latency_ms": 30},
                    {"kind": "tool", "name": "refund_order", "arguments": {"order_id": "42"}, "error": "payments down"},
                    {"kind": "model", "latency_ms": 380},
                ],
            }))
        """;

    [Fact(Timeout = 120000)]
    public async Task A_command_agent_returns_its_steps_with_its_answer_and_they_are_evaluated_like_any_trajectory()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("agent.py", Agent);
        dir.File("cases.jsonl", """
            {"id":"ok","input":"Refund order 42","expected_tool_calls":[{"name":"lookup_order"},{"name":"refund_order"}]}
            {"id":"bad","input":"broken answer"}

            """);
        var suite = """
            dataset: cases.jsonl
            models:
              - name: mine
                provider: command
                command: [python3, agent.py]
                response_path: response
                steps_path: steps
            evaluators:
              - type: tool-calls
                match: in_order
              - type: trajectory
            """;

        var (_, rows) = await SuiteRun.RunAsync(dir, suite, token);

        var ok = rows.Row("ok");
        Assert.Equal("Order 42 is refunded.", ok.GetProperty("log").GetProperty("generated_response").GetString());
        Assert.True(ok.Evaluation("tool-calls").GetProperty("passed").GetBoolean());
        Assert.Equal(1, ok.Evaluation("trajectory").GetProperty("tool_errors").GetInt64());
        Assert.Equal("payments down", ok.GetProperty("log").GetProperty("steps")[2].GetProperty("error").GetString());
        var bad = rows.Row("bad");
        Assert.Equal("error", bad.GetProperty("outcome").GetString());
        Assert.Contains("steps_path 'steps'", bad.GetProperty("error").Message(), StringComparison.Ordinal);
        Assert.Contains("must be model or tool, not 'teleport'", bad.GetProperty("error").Message(), StringComparison.Ordinal);
    }

    [Fact]
    public void Steps_path_without_response_path_is_refused_at_load()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - provider: command\n    command: [python3, agent.py]\n    steps_path: steps\nevaluators:\n  - type: trajectory\n");

        var error = Assert.Throws<SuiteException>(() => EvalRunner.Suites.SuiteLoader.Load(path, TestSettings.With()));

        Assert.Contains("s.eval.yaml:5:17: models[0].steps_path: needs response_path", error.Message, StringComparison.Ordinal);
    }
}
