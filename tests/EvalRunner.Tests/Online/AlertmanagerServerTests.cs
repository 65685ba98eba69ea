using EvalRunner.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>The Alertmanager harness: a real Alertmanager that delivers to a webhook receiver of the test.</summary>
public sealed class AlertmanagerServerTests
{
    [Fact(Timeout = 60000)]
    public async Task An_alert_posted_to_Alertmanager_reaches_the_webhook_firing_and_then_resolved()
    {
        TestPrerequisite.Require(AlertmanagerServer.IsInstalled, "prometheus-alertmanager is not installed (Debian package prometheus-alertmanager): run tests/setup.sh");
        var token = TestContext.Current.CancellationToken;
        await using var alertmanager = await AlertmanagerServer.StartAsync(token);
        var labels = new Dictionary<string, string>
        {
            ["alertname"] = "EvalRunnerRuleBreached",
            ["evalrunner_suite"] = "support-bot",
            ["evalrunner_model_config"] = "gpt-4o-mini",
            ["evalrunner_rule"] = "rate(outcome.passed) >= 0.9",
        };
        var annotations = new Dictionary<string, string> { ["summary"] = "support-bot: rate(outcome.passed) >= 0.9 is not met by model config gpt-4o-mini" };

        await alertmanager.PostAlertsAsync([new AlertmanagerPostedAlert { Labels = labels, Annotations = annotations }], token);
        var firing = await alertmanager.WaitForNotificationAsync(n => n.Status == "firing", TimeSpan.FromSeconds(20), token);
        var now = TimeProvider.System.GetUtcNow();
        await alertmanager.PostAlertsAsync([new AlertmanagerPostedAlert { Labels = labels, Annotations = annotations, StartsAt = now.AddMinutes(-1), EndsAt = now.AddSeconds(-1) }], token);
        var resolved = await alertmanager.WaitForNotificationAsync(n => n.Status == "resolved", TimeSpan.FromSeconds(20), token);

        var alert = Assert.Single(firing.Alerts);
        Assert.Equal("firing", alert.Status);
        Assert.Equal("rate(outcome.passed) >= 0.9", alert.Labels["evalrunner_rule"]);
        Assert.Equal("gpt-4o-mini", alert.Labels["evalrunner_model_config"]);
        Assert.Equal(annotations["summary"], alert.Annotations["summary"]);
        Assert.Equal("resolved", Assert.Single(resolved.Alerts).Status);
    }

    [Fact(Timeout = 60000)]
    public async Task The_Prometheus_configuration_part_names_the_rule_files_and_this_Alertmanager_and_promtool_accepts_it()
    {
        TestPrerequisite.Require(AlertmanagerServer.IsInstalled, "prometheus-alertmanager is not installed (Debian package prometheus-alertmanager): run tests/setup.sh");
        Promtool.Require();
        var token = TestContext.Current.CancellationToken;
        await using var alertmanager = await AlertmanagerServer.StartAsync(token);
        using var dir = new TempDirectory();
        var rules = dir.File("my rules.yml", "groups: []\n");

        var config = dir.File("prometheus.yml", "global: {scrape_interval: 1s, evaluation_interval: 1s}\n" + alertmanager.PrometheusConfig([rules]));

        var (exit, output) = await Promtool.RunAsync(dir.Path, ["check", "config", config], token);
        Assert.True(exit == 0, output);
        Assert.Contains($"- targets: [\"{alertmanager.Address}\"]", File.ReadAllText(config), StringComparison.Ordinal);
        Assert.Contains("SUCCESS: 0 rules found", output, StringComparison.Ordinal);
    }
}
