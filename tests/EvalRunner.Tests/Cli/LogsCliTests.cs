using System.Text.Json;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Cli;

/// <summary>Logs generated elsewhere, scored by the real <c>evalrunner</c> executable.</summary>
public sealed class LogsCliTests
{
    [Fact(Timeout = 180000)]
    public async Task The_five_line_logs_suite_scores_supplied_replies_and_passes_with_exit_code_0()
    {
        using var output = new TempDirectory();
        var suite = Path.Combine(Repository.Root, "examples", "logs", "logs.eval.yaml");
        Assert.InRange(File.ReadAllLines(suite).Count(line => line.Length > 0 && !line.StartsWith('#')), 1, 5);

        var result = await EvalRunnerCli.RunAsync(Repository.Root, ["run", "examples/logs/logs.eval.yaml", "--out", output.Path], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("PASS logs", result.StandardOutput, StringComparison.Ordinal);
        var rows = File.ReadAllLines(Path.Combine(output.Path, "logs", "results.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(5, rows.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal("support-bot-v3", row.GetProperty("model_config").GetString());
            Assert.True(row.GetProperty("log").GetProperty("supplied").GetBoolean());
        });
        Assert.False(rows.Single(r => r.GetProperty("datapoint_id").GetString() == "r-4").GetProperty("evaluations").GetProperty("contains").GetProperty("passed").GetBoolean());
    }

    [Fact(Timeout = 180000)]
    public async Task Validate_counts_supplied_responses_and_a_needs_expected_evaluator_on_logs_without_expected_exits_with_2()
    {
        using var dir = new TempDirectory();
        dir.File("replies.jsonl", "{\"id\": \"a\", \"input\": \"q\", \"generated_response\": \"r\"}\n");
        dir.File("good.eval.yaml", "dataset: replies.jsonl\nevaluators: [{type: length}]\n");
        dir.File("bad.eval.yaml", "dataset: replies.jsonl\nevaluators: [{type: similarity}]\n");

        var good = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "good.eval.yaml"], TestContext.Current.CancellationToken);
        var bad = await EvalRunnerCli.RunAsync(dir.Path, ["run", "bad.eval.yaml", "--out", "out"], TestContext.Current.CancellationToken);

        Assert.True(good.ExitCode == 0, good.StandardOutput + good.StandardError);
        Assert.Contains("1 supplied responses", good.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("bad.eval.yaml:2:14: evaluators[0]: evaluator 'similarity' compares with the expected answer, but 1 supplied response has no 'expected': a", bad.StandardOutput + bad.StandardError, StringComparison.Ordinal);
    }
}
