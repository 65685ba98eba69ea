using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;
using Microsoft.Extensions.AI;

namespace EvalRunner.Tests.Evaluators;

/// <summary>The <c>tool-calls</c> and <c>trajectory</c> evaluators as a suite declares them, run by the engine.</summary>
public sealed class ToolCallsSuiteTests
{
    private const string Suite = """
        dataset: cases.jsonl
        evaluators:
          - name: tools
            type: tool-calls
            match: in_order
            arguments: exact
          - type: trajectory
        thresholds:
          - tools.passed == true
          - trajectory.loops == 0
          - mean(tools.recall) >= 0.5
        """;

    private static TrajectoryStep Call(string name, string arguments) =>
        new() { Kind = StepKind.Tool, Name = name, Arguments = JsonDocument.Parse(arguments).RootElement.Clone(), Result = "ok" };

    private static (TempDirectory Dir, string Path) Write(string yaml)
    {
        var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"Refund order A1\",\"generated_response\":\"Refunded.\"}\n");
        return (dir, dir.File("agent.eval.yaml", yaml));
    }

    [Fact(Timeout = 60000)]
    public async Task A_suite_scores_each_logs_trajectory_and_decides_the_datapoint_by_its_rules()
    {
        var token = TestContext.Current.CancellationToken;
        var (dir, path) = Write(Suite);
        using var _ = dir;
        var settings = TestSettings.With();
        var suite = SuiteLoader.Load(path, settings);
        var output = System.IO.Path.Combine(dir.Path, "out");
        var datapoint = new Datapoint
        {
            Id = "refund",
            Messages = [new ChatMessage(ChatRole.User, "Refund order A1")],
            ExpectedToolCalls = [new ExpectedToolCall { Name = "lookup_order" }, new ExpectedToolCall { Name = "refund_order", Arguments = JsonDocument.Parse("""{"order_id": "A1"}""").RootElement.Clone() }],
        };
        Row good;
        Row looping;
        await using (var session = await new RunEngine(settings).StartAsync(suite, new RunRequest { OutputDirectory = output }, token))
        {
            good = await session.EvaluateAsync(
                datapoint,
                new Log { ModelConfig = "agent", Response = "Refunded.", Steps = [new() { Kind = StepKind.Model }, Call("lookup_order", """{"order_id": "A1"}"""), Call("refund_order", """{"order_id": "A1"}"""), new() { Kind = StepKind.Model }] },
                token);
            looping = await session.EvaluateAsync(
                datapoint with { Id = "refund-2" },
                new Log { ModelConfig = "agent", Response = "Refunded.", Steps = [Call("lookup_order", """{"order_id": "A1"}"""), Call("lookup_order", """{"order_id": "A1"}"""), Call("refund_order", """{"order_id": "B7"}""")] },
                token);
            await session.CompleteAsync(token);
        }

        Assert.Equal(Outcome.Pass, good.Outcome);
        Assert.Equal(4L, good.Value("trajectory.steps"));
        Assert.Equal(Outcome.Fail, looping.Outcome);
        Assert.Collection(
            looping.FailedRules,
            rule => Assert.StartsWith("tools.passed == true", rule, StringComparison.Ordinal),
            rule => Assert.StartsWith("trajectory.loops == 0", rule, StringComparison.Ordinal));
        const string Reason = "expected `refund_order` after `lookup_order`, got `lookup_order`, `lookup_order`, `refund_order`; `refund_order` was called with other arguments: /order_id: expected \"A1\", got \"B7\"";
        Assert.Equal(Reason, looping.Value("tools.reason"));
        Assert.Equal(0.5, looping.Value("tools.recall"));

        // The reason is kept with the row in results.jsonl.
        var rows = File.ReadLines(System.IO.Path.Combine(output, "results.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.Equal(Reason, rows.Row("refund-2").Evaluation("tools").GetProperty("reason").GetString());
        Assert.Equal(2, rows.Row("refund").Evaluation("trajectory").GetProperty("tool_calls").GetInt64());
    }

    [Theory]
    [InlineData("match: sideways", "evaluators[0].match: must be strict, in_order, any_order, superset or subset, not 'sideways'")]
    [InlineData("arguments: fuzzy", "evaluators[0].arguments: must be exact, subset, schema or ignore, not 'fuzzy'")]
    public void A_wrong_option_is_an_error_naming_the_field(string option, string message)
    {
        var (dir, path) = Write($"dataset: cases.jsonl\nevaluators:\n  - type: tool-calls\n    {option}\n");
        using (dir)
        {
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

            Assert.Contains($"{path}:4:", ex.Message, StringComparison.Ordinal);
            Assert.EndsWith(message, ex.Message, StringComparison.Ordinal);
        }
    }
}
