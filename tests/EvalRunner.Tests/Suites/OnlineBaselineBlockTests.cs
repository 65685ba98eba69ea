using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Suites;

/// <summary>The <c>online:</c> and <c>baseline:</c> blocks of a suite: every bad value is reported in one pass, with its line.</summary>
public sealed class OnlineBaselineBlockTests
{
    [Fact]
    public void Every_problem_of_the_online_and_baseline_blocks_is_reported_in_one_pass()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        var path = dir.File("s.eval.yaml", """
            dataset: cases.jsonl
            models:
              - {provider: command, command: [python3, bot.py]}
            evaluators:
              - type: length
            thresholds:
              - length.words <= 5
            online:
              window: 0
              min_logs: none
              sample: 2
              rotated_idle: later
              alerts:
                cooldown: soon
                webhook: ftp://alerts.example
                fil: alerts.jsonl
            baseline:
              tolerance: -1
              alpha: 2
              max_age: old
              new_datapoints: sometimes
            """);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        var lines = ex.Message.Split('\n');
        Assert.All(lines, line => Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(path)}:\d+:\d+: [a-z_\[\]0-9.]+: ", line));
        Assert.Contains(lines, line => line.Contains(":9:11: online.window: must be at least 1 log", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":10:13: online.min_logs: must be a whole number", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":11:11: online.sample: must be a number from 0 to 1, not '2'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":12:17: online.rotated_idle: must be a duration", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":14:15: online.alerts.cooldown: must be a duration", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":15:14: online.alerts.webhook: must be an http(s) URL", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":16:5: online.alerts.fil: unknown key 'fil'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":18:14: baseline.tolerance: must be a number of at least 0, not '-1'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":19:10: baseline.alpha: must be a number from 0 to 1, not '2'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":20:12: baseline.max_age: must be a duration", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":21:19: baseline.new_datapoints: must be 'report' or 'must_pass', not 'sometimes'", StringComparison.Ordinal));
        Assert.Equal(11, lines.Length);
    }

    [Fact]
    public void Good_online_and_baseline_blocks_still_load_with_their_values()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        var path = dir.File("s.eval.yaml", """
            dataset: cases.jsonl
            models:
              - {provider: command, command: [python3, bot.py]}
            evaluators:
              - type: length
            thresholds:
              - length.words <= 5
            online:
              window: 15m
              min_logs: 3
              sample: 0.5
              rotated_idle: 2m
              alerts: {cooldown: 0s, file: alerts.jsonl}
            baseline:
              tolerance: 0.1
              alpha: 0.01
              max_age: 3d
              new_datapoints: must_pass
            """);

        var suite = SuiteLoader.Load(path, TestSettings.With());

        Assert.Equal(TimeSpan.FromMinutes(15), suite.Online!.WindowDuration);
        Assert.Null(suite.Online.WindowLogs);
        Assert.Equal(3, suite.Online.MinLogs);
        Assert.Equal(0.5, suite.Online.Sample);
        Assert.Equal(TimeSpan.FromMinutes(2), suite.Online.RotatedIdle);
        Assert.Equal(TimeSpan.Zero, suite.Online.AlertCooldown);
        Assert.Equal(Path.Combine(dir.Path, "alerts.jsonl"), suite.Online.AlertsFile);
        Assert.Equal(0.1, suite.Baseline.Tolerance);
        Assert.Equal(0.01, suite.Baseline.Alpha);
        Assert.Equal(TimeSpan.FromDays(3), suite.Baseline.MaxAge);
        Assert.Equal(EvalRunner.Results.NewDatapoints.MustPass, suite.Baseline.NewDatapoints);
    }
}
