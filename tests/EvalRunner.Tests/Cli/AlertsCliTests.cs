using EvalRunner.Testing;

namespace EvalRunner.Tests.Cli;

/// <summary><c>evalrunner alerts SUITE --format prometheus</c> through the real process.</summary>
public sealed class AlertsCliTests
{
    private const string Suite = "name: prod\nevaluators: [{type: contains, value: refund}, {type: latency}]\n"
        + "thresholds: [rate(contains.passed) >= 0.8, p95(latency.ms) <= 2000]\n";

    [Fact(Timeout = 60000)]
    public async Task The_rules_go_to_the_out_file_and_the_rules_left_out_to_standard_error_with_exit_0()
    {
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite + "online: {window: 1h, min_logs: 5}\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["alerts", "prod.eval.yaml", "--format", "prometheus", "--out", "rules.yml", "--for", "2m", "--severity", "page"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("not expressible in PromQL, left to `evalrunner watch`: p95(latency.ms) <= 2000: a percentile", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("wrote 1 alerting rule(s) of suite 'prod' to rules.yml", result.StandardError, StringComparison.Ordinal);
        var rules = File.ReadAllText(Path.Combine(dir.Path, "rules.yml"));
        Assert.StartsWith("# Prometheus alerting rules for the online thresholds of suite 'prod' (prod.eval.yaml),", rules, StringComparison.Ordinal);
        Assert.Contains("- alert: EvalRunnerRuleBreached", rules, StringComparison.Ordinal);
        Assert.Contains("for: 2m\n", rules, StringComparison.Ordinal);
        Assert.Contains("severity: \"page\"", rules, StringComparison.Ordinal);
        Assert.Contains("[1h]", rules, StringComparison.Ordinal);
        Assert.Contains(">= 5\n", rules, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Without_out_the_rules_go_to_standard_output_and_window_overrides_a_window_of_logs()
    {
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite + "online: {window: 500}\n");

        var byCount = await EvalRunnerCli.RunAsync(dir.Path, ["alerts", "prod.eval.yaml"], TestContext.Current.CancellationToken);
        var byDuration = await EvalRunnerCli.RunAsync(dir.Path, ["alerts", "prod.eval.yaml", "--window", "15m"], TestContext.Current.CancellationToken);

        Assert.True(byCount.ExitCode == 2, byCount.StandardOutput + byCount.StandardError);
        Assert.Contains("rate(contains.passed) >= 0.8: the window is the latest 500 logs, and a Prometheus range is a duration", byCount.StandardError, StringComparison.Ordinal);
        Assert.Contains("error: prod.eval.yaml: none of the 2 aggregate thresholds of suite 'prod' can be a Prometheus alerting rule", byCount.StandardError, StringComparison.Ordinal);
        Assert.Equal(string.Empty, byCount.StandardOutput);
        Assert.True(byDuration.ExitCode == 0, byDuration.StandardOutput + byDuration.StandardError);
        Assert.Contains("groups:\n", byDuration.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("[15m]", byDuration.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_suite_without_aggregate_thresholds_writes_an_empty_rules_file_and_a_bad_suite_exits_2_with_its_line()
    {
        using var dir = new TempDirectory();
        dir.File("none.eval.yaml", "name: none\nevaluators: [{type: length}]\nthresholds: [length.words <= 100]\nonline: {window: 1h}\n");
        dir.File("bad.eval.yaml", "name: bad\nevaluators: [{type: length}]\nthresholds:\n  - mean(length.wrds) <= 100\nonline: {window: 1h}\n");

        var none = await EvalRunnerCli.RunAsync(dir.Path, ["alerts", "none.eval.yaml", "--out", "none.yml"], TestContext.Current.CancellationToken);
        var bad = await EvalRunnerCli.RunAsync(dir.Path, ["alerts", "bad.eval.yaml", "--out", "bad.yml"], TestContext.Current.CancellationToken);
        var badFor = await EvalRunnerCli.RunAsync(dir.Path, ["alerts", "none.eval.yaml", "--for", "soon"], TestContext.Current.CancellationToken);

        Assert.True(none.ExitCode == 0, none.StandardOutput + none.StandardError);
        Assert.Contains("length.words <= 100: a per-datapoint rule", none.StandardError, StringComparison.Ordinal);
        Assert.Contains("groups: []", File.ReadAllText(Path.Combine(dir.Path, "none.yml")), StringComparison.Ordinal);
        Assert.True(bad.ExitCode == 2, bad.StandardOutput + bad.StandardError);
        Assert.Contains("bad.eval.yaml:4:", bad.StandardError, StringComparison.Ordinal);
        Assert.Contains("unknown column 'length.wrds'", bad.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "bad.yml")));
        Assert.True(badFor.ExitCode == 2, badFor.StandardOutput + badFor.StandardError);
        Assert.Contains("--for 'soon' is not a duration", badFor.StandardError, StringComparison.Ordinal);
    }
}
