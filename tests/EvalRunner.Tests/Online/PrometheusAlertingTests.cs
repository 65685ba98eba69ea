using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CliWrap.Buffered;
using EvalRunner.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace EvalRunner.Tests.Online;

/// <summary>The generated rules in a real Prometheus that sends its alerts to a real Alertmanager.</summary>
public sealed class PrometheusAlertingTests
{
    [Fact(Timeout = 120000)]
    public async Task Prometheus_fires_the_generated_rule_for_the_failing_model_config_and_Alertmanager_delivers_it()
    {
        TestPrerequisite.Require(PrometheusServer.IsInstalled, "prometheus is not installed (Debian package prometheus): run tests/setup.sh");
        TestPrerequisite.Require(AlertmanagerServer.IsInstalled, "prometheus-alertmanager is not installed (Debian package prometheus-alertmanager): run tests/setup.sh");
        var token = TestContext.Current.CancellationToken;
        await using var alertmanager = await AlertmanagerServer.StartAsync(token);
        await using var exporter = await StartExporterAsync(token);
        using var dir = new TempDirectory();
        var suite = EvalRunner.Suites.SuiteLoader.Load(
            Path.Combine(Repository.Root, "tests", "EvalRunner.Tests", "Online", "Expected", "support.eval.yaml"),
            new EvalRunner.Suites.SuiteLoadOptions { Settings = new Settings(new Dictionary<string, string>()) });
        var rules = dir.File("evalrunner.rules.yml", EvalRunner.Online.PrometheusRules.Translate(suite, new EvalRunner.Online.PrometheusRulesRequest { SuitePath = "support.eval.yaml" }).Yaml);
        await using var prometheus = await PrometheusServer.StartAsync(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            + $"scrape_configs:\n  - job_name: watch\n    static_configs:\n      - targets: [\"{exporter.Address}\"]\n"
            + alertmanager.PrometheusConfig([rules]),
            token);
        AlertmanagerNotification notification;
        try
        {
            notification = await alertmanager.WaitForNotificationAsync(
                n => n.Status == "firing" && n.Alerts.Any(a => a.Labels.GetValueOrDefault("evalrunner_rule") == "rate(outcome.passed) >= 0.9"),
                TimeSpan.FromSeconds(60),
                token);
        }
        catch (TimeoutException ex)
        {
            Assert.Fail($"{ex.Message}\nPrometheus: {prometheus.Output}");
            throw;
        }

        var alert = notification.Alerts.Single(a => a.Labels["evalrunner_rule"] == "rate(outcome.passed) >= 0.9");
        Assert.Equal("EvalRunnerRuleBreached", alert.Labels["alertname"]);
        Assert.Equal("support-bot", alert.Labels["evalrunner_suite"]);
        Assert.Equal("gpt-4o-mini", alert.Labels["evalrunner_model_config"]);
        Assert.Equal("warning", alert.Labels["severity"]);
        Assert.Equal("support-bot: rate(outcome.passed) >= 0.9 is not met by model config gpt-4o-mini", alert.Annotations["summary"]);
        // Prometheus's own list: the one failing model config and rule; gpt-4o (95%) and the refund rule hold.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var active = JsonDocument.Parse(await http.GetStringAsync(new Uri(prometheus.Address, "api/v1/alerts"), token))
            .RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
            .Select(a => (Config: a.GetProperty("labels").GetProperty("evalrunner_model_config").GetString(), Rule: a.GetProperty("labels").GetProperty("evalrunner_rule").GetString()))
            .ToList();
        Assert.Equal([("gpt-4o-mini", "rate(outcome.passed) >= 0.9")], active);
    }

    [Fact(Timeout = 60000)]
    public async Task The_Prometheus_and_Alertmanager_configurations_in_docs_online_md_are_accepted_by_promtool_and_amtool()
    {
        Promtool.Require();
        TestPrerequisite.Require(File.Exists("/usr/bin/amtool"), "amtool is not installed (Debian package prometheus-alertmanager): run tests/setup.sh");
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var docs = File.ReadAllText(Path.Combine(Repository.Root, "docs", "online.md"));
        dir.File("evalrunner.rules.yml", File.ReadAllText(Path.Combine(Repository.Root, "tests", "EvalRunner.Tests", "Online", "Expected", "support.rules.yml")));
        var prometheus = dir.File("prometheus.yml", Block(docs, "# prometheus.yml (with the scrape configuration"));
        var alertmanager = dir.File("alertmanager.yml", Block(docs, "# alertmanager.yml"));

        var (promtoolExit, promtoolOutput) = await Promtool.RunAsync(dir.Path, ["check", "config", prometheus], token);
        var amtool = await CliWrap.Cli.Wrap("/usr/bin/amtool").WithArguments(["check-config", alertmanager])
            .WithValidation(CliWrap.CommandResultValidation.None).ExecuteBufferedAsync(token);

        Assert.True(promtoolExit == 0, promtoolOutput);
        Assert.Contains("SUCCESS: 2 rules found", promtoolOutput, StringComparison.Ordinal);
        Assert.True(amtool.ExitCode == 0, amtool.StandardOutput + amtool.StandardError);

        // The YAML code block of the docs that starts with the comment line.
        static string Block(string markdown, string firstLine)
        {
            var start = markdown.IndexOf("```yaml\n" + firstLine, StringComparison.Ordinal);
            Assert.True(start >= 0, $"docs/online.md has no yaml block starting with {firstLine}");
            start += "```yaml\n".Length;
            return markdown[start..markdown.IndexOf("```", start, StringComparison.Ordinal)];
        }
    }

    /// <summary>
    /// The counters of a watcher as its Prometheus endpoint shows them, growing by ten logs per model config at each
    /// scrape: 7 of 10 passed for gpt-4o-mini, 19 of 20 for gpt-4o; every refund check passed.
    /// </summary>
    private static async Task<Exporter> StartExporterAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var scrapes = 0;
        app.MapGet("/metrics", () =>
        {
            var n = Interlocked.Increment(ref scrapes);
            var text = new StringBuilder();
            text.Append("# TYPE evalrunner_watch_column_rows_total counter\n# TYPE evalrunner_watch_column_true_total counter\n# TYPE evalrunner_watch_logs_total counter\n");
            foreach (var (config, logs, passed) in new[] { ("gpt-4o-mini", 10, 7), ("gpt-4o", 20, 19) })
            {
                Counter(text, "evalrunner_watch_column_rows_total", config, "outcome.passed", logs * n);
                Counter(text, "evalrunner_watch_column_true_total", config, "outcome.passed", passed * n);
                Counter(text, "evalrunner_watch_column_rows_total", config, "refund.passed", logs * n);
                Counter(text, "evalrunner_watch_column_true_total", config, "refund.passed", logs * n);
                text.Append(CultureInfo.InvariantCulture, $"evalrunner_watch_logs_total{{evalrunner_suite=\"support-bot\",evalrunner_model_config=\"{config}\",evalrunner_outcome=\"pass\"}} {passed * n}\n");
                text.Append(CultureInfo.InvariantCulture, $"evalrunner_watch_logs_total{{evalrunner_suite=\"support-bot\",evalrunner_model_config=\"{config}\",evalrunner_outcome=\"fail\"}} {(logs - passed) * n}\n");
            }

            return Microsoft.AspNetCore.Http.Results.Text(text.ToString(), "text/plain; version=0.0.4");
        });
        await app.StartAsync(cancellationToken);
        return new Exporter(app, new Uri(app.Urls.First()).Authority);

        static void Counter(StringBuilder text, string name, string config, string column, int value) =>
            text.Append(CultureInfo.InvariantCulture, $"{name}{{evalrunner_suite=\"support-bot\",evalrunner_model_config=\"{config}\",evalrunner_column=\"{column}\"}} {value}\n");
    }

    private sealed class Exporter(WebApplication app, string address) : IAsyncDisposable
    {
        public string Address { get; } = address;

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
