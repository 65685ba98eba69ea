using System.Globalization;
using System.Text.Json;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Online;

/// <summary>
/// The whole stack with the real systems: two <c>watch --shard</c> processes over one log stream, scraped by a real
/// Prometheus that evaluates the rules <c>evalrunner alerts</c> wrote, and a real Alertmanager that delivers the alert
/// and its resolution to a webhook; a single watcher over the same logs alerts through its own alerts file.
/// </summary>
public sealed class ObservabilityStackTests
{
    private const string Suite = """
        name: prod
        evaluators: [{type: contains, value: refund}]
        thresholds: [rate(contains.passed) >= 0.8]
        online: {window: 10m, min_logs: 10, alerts: {file: alerts.jsonl, cooldown: 0s}}
        """;

    private const string PassRate = """sum(evalrunner_watch_column_true_total{evalrunner_suite="prod", evalrunner_column="contains.passed"}) / sum(evalrunner_watch_column_rows_total{evalrunner_suite="prod", evalrunner_column="contains.passed"})""";

    private static readonly string[] ShardFolders = ["shard1", "shard2"];

    [Fact(Timeout = 240000)]
    public async Task Two_shard_watchers_scraped_by_Prometheus_give_one_watchers_pass_rate_and_their_generated_rule_fires_and_resolves_through_Alertmanager_as_the_watchers_own_alert_does()
    {
        TestPrerequisite.Require(PrometheusServer.IsInstalled, "prometheus is not installed (Debian package prometheus): run tests/setup.sh");
        TestPrerequisite.Require(AlertmanagerServer.IsInstalled, "prometheus-alertmanager is not installed (Debian package prometheus-alertmanager): run tests/setup.sh");
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite);
        // The shard watchers evaluate the same suite (the same name, so the same metrics) without its alerts file.
        dir.File("shards.eval.yaml", Suite.Replace("alerts: {file: alerts.jsonl, cooldown: 0s}", "alerts: {cooldown: 0s}", StringComparison.Ordinal));
        var log = dir.File("app.jsonl", string.Empty);

        var alerts = await EvalRunnerCli.RunAsync(dir.Path, ["alerts", "prod.eval.yaml", "--format", "prometheus", "--out", "rules.yml"], token);
        Assert.True(alerts.ExitCode == 0, alerts.StandardOutput + alerts.StandardError);

        await using var alertmanager = await AlertmanagerServer.StartAsync(token);
        var (first, firstPort) = await WatchProcess.StartWithMetricsAsync(dir.Path, ["shards.eval.yaml", "--logs", "app.jsonl", "--shard", "1/2", "--out", "shard1", "--poll", "50ms"], token);
        using var shard1 = first;
        var (second, secondPort) = await WatchProcess.StartWithMetricsAsync(dir.Path, ["shards.eval.yaml", "--logs", "app.jsonl", "--shard", "2/2", "--out", "shard2", "--poll", "50ms"], token);
        using var shard2 = second;
        var (whole, wholePort) = await WatchProcess.StartWithMetricsAsync(dir.Path, ["prod.eval.yaml", "--logs", "app.jsonl", "--out", "whole", "--poll", "50ms"], token);
        using var single = whole;
        await using var prometheus = await PrometheusServer.StartAsync(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            + $"scrape_configs:\n  - job_name: evalrunner-watch\n    static_configs:\n      - targets: [\"127.0.0.1:{firstPort}\", \"127.0.0.1:{secondPort}\"]\n"
            + alertmanager.PrometheusConfig([Path.Combine(dir.Path, "rules.yml")]),
            token);
        await prometheus.WaitForValueAsync("sum(up{job=\"evalrunner-watch\"})", 2, token);

        // 10 good answers, then 20 bad and 20 good: 30 of 50 pass, below the rule's 0.8. The rate falls below 0.8 once and
        // stays there however many lines each poll of the watchers reads (alternating answers made it cross back and
        // forth, and the single watcher's own alert flap, when a poll read half an append).
        File.AppendAllText(log, string.Concat(Enumerable.Range(0, 10).Select(i => Log(i, good: true))));
        await prometheus.WaitForValueAsync("sum(evalrunner_watch_logs_total{evalrunner_suite=\"prod\"})", 10, token);
        File.AppendAllText(log, string.Concat(Enumerable.Range(10, 40).Select(i => Log(i, good: i >= 30))));

        // Prometheus over the two shards has the pass rate of the one watcher that evaluated every log.
        await prometheus.WaitForValueAsync("sum(evalrunner_watch_logs_total{evalrunner_suite=\"prod\"})", 50, token);
        Assert.Equal(30.0 / 50, await prometheus.WaitForValueAsync(PassRate, 30.0 / 50, token), 12);
        Assert.Equal(30.0 / 50, await SingleWatcherRateAsync(wholePort, 50, single, token), 12);
        var breach = await alertmanager.WaitForNotificationAsync(n => n.Status == "firing", TimeSpan.FromSeconds(90), token);
        var alert = Assert.Single(breach.Alerts);
        Assert.Equal("rate(contains.passed) >= 0.8", alert.Labels["evalrunner_rule"]);
        Assert.Equal("prod-bot", alert.Labels["evalrunner_model_config"]);
        await single.UntilAsync(() => AlertStates(dir.Path).Contains("breach"), token);

        // 200 good answers: 230 of 250 pass (the rate rises past 0.8 once), and both the Prometheus alert and the
        // watcher's own say it is over.
        File.AppendAllText(log, string.Concat(Enumerable.Range(50, 200).Select(i => Log(i, good: true))));
        await prometheus.WaitForValueAsync("sum(evalrunner_watch_logs_total{evalrunner_suite=\"prod\"})", 250, token);
        Assert.Equal(230.0 / 250, await prometheus.WaitForValueAsync(PassRate, 230.0 / 250, token), 12);
        var resolved = await alertmanager.WaitForNotificationAsync(n => n.Status == "resolved", TimeSpan.FromSeconds(90), token);
        Assert.Equal("rate(contains.passed) >= 0.8", Assert.Single(resolved.Alerts).Labels["evalrunner_rule"]);
        await single.UntilAsync(() => AlertStates(dir.Path).SequenceEqual(["breach", "clear"]), token);
        Assert.Equal(230.0 / 250, await SingleWatcherRateAsync(wholePort, 250, single, token), 12);

        // Between them the shards evaluated every log once.
        var shardRows = ShardFolders.SelectMany(o => File.ReadAllLines(Path.Combine(dir.Path, o, "prod", "results.jsonl"))).ToList();
        Assert.Equal(250, shardRows.Count);
        Assert.Equal(250, shardRows.Select(r => JsonDocument.Parse(r).RootElement.GetProperty("datapoint_id").GetString()).Distinct().Count());
    }

    /// <summary>One log; a good answer mentions the refund.</summary>
    private static string Log(int i, bool good) => JsonSerializer.Serialize(new
    {
        id = string.Create(CultureInfo.InvariantCulture, $"log-{i}"),
        input = "can I get my money back?",
        generated_response = good ? "yes, a refund is possible" : "no",
        model = "prod-bot",
    }) + "\n";

    /// <summary>The alert states the single watcher wrote to its alerts file, in order.</summary>
    private static List<string> AlertStates(string directory)
    {
        var path = Path.Combine(directory, "alerts.jsonl");
        return File.Exists(path)
            ? [.. File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("state").GetString()!)]
            : [];
    }

    /// <summary>The single watcher's own value of the rule over its window, from its metrics, once it evaluated <paramref name="logs"/> logs.</summary>
    private static async Task<double> SingleWatcherRateAsync(int port, int logs, WatchProcess watch, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        while (true)
        {
            Assert.False(watch.HasExited, $"the watcher exited: {watch.Output}");
            var (samples, _) = PrometheusText.Parse(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), cancellationToken));
            var evaluated = samples.Where(m => m.Name == "evalrunner_watch_logs_total").Sum(m => m.Value);
            var rule = samples.FirstOrDefault(m => m.Name == "evalrunner_watch_rule_value" && m.Has(("evalrunner_rule", "rate(contains.passed) >= 0.8")));
            if (evaluated == logs && rule is not null)
            {
                return rule.Value;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
