using System.Text.Json;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Comparisons;

/// <summary><c>evalrunner compare</c> and <c>run --baseline</c> through the real executable.</summary>
public sealed class CompareCliTests
{
    [Fact(Timeout = 240000)]
    public async Task Compare_exits_0_without_a_regression_1_with_one_and_2_on_a_missing_or_unreadable_directory()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), cancellationToken: token);
        var same = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "same", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), cancellationToken: token);
        var worse = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "worse", BaselineRuns.Replies(BaselineRuns.Many(20, 8))), cancellationToken: token);
        dir.File("broken/run.json", "{ not json");

        var passed = await EvalRunnerCli.RunAsync(dir.Path, ["compare", @base.Directory, same.Directory], token);
        var regressed = await EvalRunnerCli.RunAsync(dir.Path, ["compare", @base.Directory, worse.Directory], token);
        var missing = await EvalRunnerCli.RunAsync(dir.Path, ["compare", Path.Combine(dir.Path, "nowhere"), worse.Directory], token);
        var unreadable = await EvalRunnerCli.RunAsync(dir.Path, ["compare", Path.Combine(dir.Path, "broken"), worse.Directory], token);

        Assert.True(passed.ExitCode == 0, passed.StandardOutput + passed.StandardError);
        Assert.Contains("Passed: no regression against the baseline", passed.StandardOutput, StringComparison.Ordinal);
        Assert.True(regressed.ExitCode == 1, regressed.StandardOutput + regressed.StandardError);
        Assert.Contains("8 regressions, 0 fixes", regressed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Failed: rate(outcome.passed) dropped from 1.00 to 0.60", regressed.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such directory", missing.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, unreadable.ExitCode);
        Assert.Contains("run.json", unreadable.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", missing.StandardError + unreadable.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = 240000)]
    public async Task A_baseline_whose_results_lost_the_rows_its_run_json_counts_is_said_and_decides_nothing()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), cancellationToken: token);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), cancellationToken: token);
        File.WriteAllText(Path.Combine(@base.Directory, "results.jsonl"), string.Empty);

        var compared = await EvalRunnerCli.RunAsync(dir.Path, ["compare", @base.Directory, head.Directory], token);

        Assert.True(compared.ExitCode == 0, compared.StandardOutput + compared.StandardError);
        Assert.Contains("its results.jsonl holds 0 rows, its run.json counts 20", compared.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Passed: no regression", compared.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 240000)]
    public async Task Run_with_a_baseline_fails_on_a_regression_and_writes_the_baseline_block_and_compare_pairs_suites_by_name()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), cancellationToken: token);
        BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(20, 8)));

        var run = await EvalRunnerCli.RunAsync(dir.Path, ["run", "head/suite.eval.yaml", "--out", "results", "--baseline", @base.Directory], token);
        // HEAD is a folder of suites: its 'support' run is paired with the baseline's run of the same suite.
        var compare = await EvalRunnerCli.RunAsync(dir.Path, ["compare", @base.Directory, "results"], token);
        var report = await EvalRunnerCli.RunAsync(dir.Path, ["report", "results", "--baseline", @base.Directory], token);

        Assert.True(run.ExitCode == 1, run.StandardOutput + run.StandardError);
        Assert.Contains("compared with baseline: 8 regressions, 0 fixes", run.StandardOutput, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "results", "support", "run.json")));
        var baseline = json.RootElement.GetProperty("baseline");
        Assert.True(baseline.GetProperty("regressed").GetBoolean());
        Assert.Equal(8, baseline.GetProperty("regressions").GetInt32());
        Assert.Equal("broken", baseline.GetProperty("rules")[0].GetProperty("decision").GetString());
        Assert.Contains(json.RootElement.GetProperty("reasons").EnumerateArray(), r => r.GetProperty("kind").GetString() == "regression");
        Assert.Equal(1, compare.ExitCode);
        Assert.Contains("### Compared with baseline (support): 8 regressions, 0 fixes", report.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("#### Regressions (8)", File.ReadAllText(Path.Combine(dir.Path, "results", "summary.md")), StringComparison.Ordinal);
    }
}
