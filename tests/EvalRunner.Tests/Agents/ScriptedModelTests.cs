using EvalRunner.Results;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Agents;

/// <summary>The scripted model: an agent run offline, its tool calls from a script, its tools answered by canned results.</summary>
public sealed class ScriptedModelTests
{
    private const string Script = """
        conversations:
          - when: refund
            steps:
              - call: lookup_order
                arguments: {order_id: "42"}
              - calls:
                  - name: refund_order
                    arguments: {order_id: "42"}
                  - name: notify
                    arguments: {channel: email}
              - answer: "Done: {tool_result}"
          - steps:
              - answer: I can only help with refunds.
        """;

    private const string Suite = """
        name: scripted
        dataset: cases.jsonl
        models:
          - name: agent
            provider: scripted
            script: model.script.yaml
            tools:
              - name: lookup_order
                parameters: {type: object, properties: {order_id: {type: string}}}
              - name: refund_order
                parameters: {type: object, properties: {order_id: {type: string}}}
              - name: notify
                parameters: {type: object, properties: {channel: {type: string}}}
        tool_results:
          - name: lookup_order
            result: {status: late}
          - name: refund_order
            result: refunded
          - name: notify
            result: customer notified
        evaluators:
          - type: contains
            value: customer notified
        thresholds:
          - mean(contains.passed) >= 0.5
        """;

    [Fact(Timeout = 120000)]
    public async Task A_scripted_model_plays_its_steps_with_parallel_calls_as_one_model_call_and_quotes_the_last_tool_result()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("model.script.yaml", Script);
        dir.File("cases.jsonl", "{\"id\":\"refund\",\"input\":\"Please refund order 42\"}\n{\"id\":\"other\",\"input\":\"What is the weather?\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite, token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        var refund = rows.Row("refund").GetProperty("log");
        Assert.Equal("Done: customer notified", refund.GetProperty("generated_response").GetString());
        var steps = refund.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("kind").GetString() + (s.TryGetProperty("name", out var n) ? ":" + n.GetString() : string.Empty)).ToList();
        Assert.Equal(["model", "tool:lookup_order", "model", "tool:refund_order", "tool:notify", "model"], steps);
        var other = rows.Row("other").GetProperty("log");
        Assert.Equal("I can only help with refunds.", other.GetProperty("generated_response").GetString());
        Assert.Equal(1, other.GetProperty("steps").GetArrayLength());
    }

    [Fact]
    public void A_script_that_does_not_end_with_an_answer_is_refused_at_load_with_its_file_and_line()
    {
        using var dir = new TempDirectory();
        dir.File("model.script.yaml", "conversations:\n  - when: x\n    steps:\n      - call: lookup_order\n");
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n");
        var path = dir.File("suite.eval.yaml", Suite);

        var error = Assert.Throws<SuiteException>(() => EvalRunner.Suites.SuiteLoader.Load(path, TestSettings.With()));

        Assert.Contains("model.script.yaml:4:7", error.Message, StringComparison.Ordinal);
        Assert.Contains("the steps must end with an 'answer'", error.Message, StringComparison.Ordinal);
    }
}
