using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Runs;

/// <summary>The one verdict: what it decides from rows, aggregates and their coverage, and the exit code it gives.</summary>
public sealed class VerdictTests
{
    // Answers every question except the one that asks it to fail, which makes the bot exit non-zero (an error row).
    private const string Bot = "import json,sys\nd=json.load(sys.stdin)\nif 'fail' in d['input']: sys.exit(3)\nprint('Answer: ' + d['input'])\n";

    private static string Suite(string dataset, string run = "", string thresholds = "  - mean(contains.passed) >= 0.5") => $"""
        dataset: {dataset}
        models:
          - {"{"}name: bot, provider: command, command: [python3, bot.py]{"}"}
        evaluators:
          - {"{"}type: contains, value: Answer{"}"}
        thresholds:
        {thresholds}
        {run}
        """;

    [Fact(Timeout = 60000)]
    public async Task An_aggregate_over_rows_that_errored_states_its_coverage_and_is_not_met_below_the_default_full_coverage()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"one\"}\n{\"id\":\"b\",\"input\":\"two\"}\n{\"id\":\"c\",\"input\":\"three\"}\n{\"id\":\"d\",\"input\":\"please fail\"}\n");

        var (result, _) = await SuiteRun.RunAsync(dir, Suite("cases.jsonl", "run: {fail_on_error: false}"), TestContext.Current.CancellationToken);

        var aggregate = Assert.Single(result.Aggregates);
        Assert.Equal((3, 4), (aggregate.Covered, aggregate.Of));
        Assert.Equal(0.75, aggregate.Value!.Value, 6);
        Assert.False(aggregate.Passed);
        Assert.Equal("measured on 3 of 4 rows, below run.min_coverage 1", aggregate.CoverageProblem);
        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Equal(1, result.ExitCode);
        var reason = Assert.Single(result.Reasons);
        Assert.Equal(VerdictReasonKind.AggregateFailed, reason.Kind);
        Assert.Contains("measured on 3 of 4 rows", reason.Message, StringComparison.Ordinal);
        var runJson = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "run.json"))).RootElement;
        Assert.Equal(3, runJson.GetProperty("aggregates")[0].GetProperty("covered").GetInt32());
        Assert.Equal(4, runJson.GetProperty("aggregates")[0].GetProperty("of").GetInt32());
    }

    [Fact(Timeout = 60000)]
    public async Task A_lowered_min_coverage_lets_the_rule_decide_and_the_headline_does_not_claim_every_row_passed()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"one\"}\n{\"id\":\"b\",\"input\":\"two\"}\n{\"id\":\"c\",\"input\":\"three\"}\n{\"id\":\"d\",\"input\":\"please fail\"}\n");

        var (result, _) = await SuiteRun.RunAsync(dir, Suite("cases.jsonl", "run: {fail_on_error: false, min_coverage: 0.75}"), TestContext.Current.CancellationToken);

        Assert.True(Assert.Single(result.Aggregates).Passed);
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("3 of 4 rows passed and all 1 aggregate checks held; 1 rows errored, allowed by run.fail_on_error: false", result.Reason);
        Assert.DoesNotContain("all 4 rows passed", result.Reason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task An_empty_dataset_is_an_error_not_a_pass_or_a_fail()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", string.Empty);

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite("cases.jsonl"), TestContext.Current.CancellationToken);

        Assert.Empty(rows);
        Assert.Equal(Verdict.Error, result.Verdict);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(VerdictReasonKind.NothingMeasured, Assert.Single(result.Reasons).Kind);
    }

    [Fact(Timeout = 60000)]
    public async Task A_row_that_errored_is_named_once_in_the_reason_with_its_datapoint_and_model_config()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"one\"}\n{\"id\":\"d\",\"input\":\"please fail\"}\n");

        var (result, _) = await SuiteRun.RunAsync(dir, Suite("cases.jsonl", thresholds: "  - contains.passed == true"), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Fail, result.Verdict);
        var reason = Assert.Single(result.Reasons, r => r.Kind == VerdictReasonKind.RowsErrored);
        Assert.Contains("1 of 2 rows errored (first: d (bot): generation failed (bot): command 'python3 bot.py' exited with code 3", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_exit_code_of_several_runs_is_the_worst_and_no_run_at_all_is_an_error()
    {
        static RunResult Run(Verdict verdict) => new() { Suite = "s", SuitePath = "s.yaml", Verdict = verdict, Reason = string.Empty };

        Assert.Equal(0, RunResult.ExitCodeOf([Run(Verdict.Pass), Run(Verdict.Pass)]));
        Assert.Equal(1, RunResult.ExitCodeOf([Run(Verdict.Pass), Run(Verdict.Fail)]));
        Assert.Equal(2, RunResult.ExitCodeOf([Run(Verdict.Fail), Run(Verdict.Error)]));
        Assert.Equal(130, RunResult.ExitCodeOf([Run(Verdict.Error), Run(Verdict.Cancelled)]));
        Assert.Equal(2, RunResult.ExitCodeOf([]));
    }
}
