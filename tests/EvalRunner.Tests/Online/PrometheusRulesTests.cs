using System.Text.Json;
using EvalRunner.Online;
using EvalRunner.Statistics;
using EvalRunner.Suites;
using EvalRunner.Testing;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Tests.Online;

/// <summary>A suite's online thresholds as Prometheus alerting rules (<c>evalrunner alerts --format prometheus</c>).</summary>
public sealed class PrometheusRulesTests
{
    private static readonly string Expected = Path.Combine(Repository.Root, "tests", "EvalRunner.Tests", "Online", "Expected");

    private static PrometheusRuleSet Translate(string suitePath, TimeSpan? window = null)
    {
        var suite = SuiteLoader.Load(suitePath, new SuiteLoadOptions { Settings = new Settings(new Dictionary<string, string>()) });
        return PrometheusRules.Translate(suite, new PrometheusRulesRequest { SuitePath = Path.GetFileName(suitePath), Window = window });
    }

    [Fact]
    public void The_example_suite_gives_the_expected_rules_file_which_docs_online_md_shows_verbatim()
    {
        var suitePath = Path.Combine(Expected, "support.eval.yaml");

        var rules = Translate(suitePath);

        var expected = File.ReadAllText(Path.Combine(Expected, "support.rules.yml"));
        Assert.Equal(expected, rules.Yaml);
        Assert.Equal(["rate(outcome.passed) >= 0.9", "lower(rate(refund.passed)) >= 75%"], rules.Written);
        var docs = File.ReadAllText(Path.Combine(Repository.Root, "docs", "online.md"));
        Assert.Contains("```yaml\n" + File.ReadAllText(suitePath) + "```", docs, StringComparison.Ordinal);
        Assert.Contains("```yaml\n" + expected + "```", docs, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_PromQL_cannot_express_are_listed_with_their_reason_in_the_result_and_atop_the_file()
    {
        using var dir = new TempDirectory();
        var suitePath = dir.File("kinds.eval.yaml", """
            name: kinds
            evaluators: [{name: judge, type: contains, value: refund}, {type: length}, {type: latency}]
            thresholds:
              - judge.passed == true
              - rate(judge.passed) >= 0.8
              - mean(length.words) <= 120
              - upper(mean(length.words)) <= 150
              - p95(latency.ms) <= 2000
              - lower(p50(latency.ms)) >= 10
              - max(length.words) <= 400
              - count(judge.passed) >= 5
              - sum(length.words) <= 100000
              - rate(judge.passed) >= baseline - 0.05
            online: {window: 30m}
            """);

        var rules = Translate(suitePath);

        Assert.Equal(["rate(judge.passed) >= 0.8"], rules.Written);
        var reasons = rules.Unexpressed.ToDictionary(u => u.Rule, u => u.Reason);
        Assert.Equal(9, reasons.Count);
        Assert.Contains("per-datapoint rule", reasons["judge.passed == true"], StringComparison.Ordinal);
        Assert.Contains("mean() of length.words, an integer column, needs every value", reasons["mean(length.words) <= 120"], StringComparison.Ordinal);
        Assert.Contains("mean() of length.words", reasons["upper(mean(length.words)) <= 150"], StringComparison.Ordinal);
        Assert.Contains("a percentile", reasons["p95(latency.ms) <= 2000"], StringComparison.Ordinal);
        Assert.Contains("a percentile", reasons["lower(p50(latency.ms)) >= 10"], StringComparison.Ordinal);
        Assert.Contains("max() needs every value", reasons["max(length.words) <= 400"], StringComparison.Ordinal);
        Assert.Contains("no metric for count()", reasons["count(judge.passed) >= 5"], StringComparison.Ordinal);
        Assert.Contains("no metric for sum()", reasons["sum(length.words) <= 100000"], StringComparison.Ordinal);
        Assert.Contains("against the baseline", reasons["rate(judge.passed) >= baseline - 0.05"], StringComparison.Ordinal);
        var comments = rules.Yaml.Split('\n').TakeWhile(line => line.StartsWith('#')).ToList();
        Assert.Contains("# Not expressible in PromQL; only `evalrunner watch` decides these:", comments);
        Assert.All(rules.Unexpressed, u => Assert.Contains($"# - {u.Rule}: {u.Reason}", comments));
        Assert.Contains("[30m]", rules.Yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_of_a_number_of_logs_is_no_Prometheus_range_unless_a_duration_is_given()
    {
        using var dir = new TempDirectory();
        var suitePath = dir.File("count.eval.yaml", "name: count\nevaluators: [{type: contains, value: refund}]\nthresholds: [rate(contains.passed) >= 0.8]\nonline: {min_logs: 5}\n");

        var byCount = Translate(suitePath);
        var byDuration = Translate(suitePath, TimeSpan.FromMinutes(90));

        Assert.Empty(byCount.Written);
        Assert.Contains("the window is the latest 500 logs", Assert.Single(byCount.Unexpressed).Reason, StringComparison.Ordinal);
        Assert.Contains("groups: []", byCount.Yaml, StringComparison.Ordinal);
        Assert.Equal(["rate(contains.passed) >= 0.8"], byDuration.Written);
        Assert.Contains("[1h30m]", byDuration.Yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Wilson_bounds_the_rules_compute_are_the_engines_interval()
    {
        var z = PrometheusRules.Z;
        Assert.Equal(1.959963984540054, z, 1e-15);
        for (var n = 1; n <= 200; n++)
        {
            for (var t = 0; t <= n; t++)
            {
                // The rules' form: Wilson's bounds multiplied through by n, in the counts T and N the counters give.
                var root = z * Math.Sqrt((t * (double)(n - t) / n) + (z * z / 4));
                var lower = Math.Max(0, (t + (z * z / 2) - root) / (n + (z * z)));
                var upper = Math.Min(1, (t + (z * z / 2) + root) / (n + (z * z)));
                var engine = Intervals.Wilson(t, n)!;
                Assert.Equal(engine.Lower, lower, 1e-12);
                Assert.Equal(engine.Upper, upper, 1e-12);
            }
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Promtool_accepts_the_rules_of_a_suite_with_several_rule_kinds()
    {
        Promtool.Require();
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("kinds.eval.yaml", """
            name: "kinds \"quoted\" {{ braces }}"
            evaluators: [{name: judge, type: contains, value: refund}, {type: latency}]
            thresholds:
              - judge.passed == true
              - rate(judge.passed) >= 0.8
              - mean(judge.passed) > 90%
              - lower(rate(judge.passed)) >= 0.7
              - upper(mean(judge.passed)) <= 0.99
              - rate(outcome.passed) != 0
              - mean(judge.passed) == 1
              - rate(judge.passed) < 1
              - p95(latency.ms) <= 2000
            online: {window: 2h, min_logs: 10, alerts: {cooldown: 90s}}
            """);
        var rules = Translate(suitePath);
        dir.File("rules.yml", rules.Yaml);

        var (exit, output) = await Promtool.RunAsync(dir.Path, ["check", "rules", "rules.yml"], token);

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS: 7 rules found", output, StringComparison.Ordinal);
        Assert.Contains("keep_firing_for: 1m30s", rules.Yaml, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task The_example_rules_fire_in_promtool_with_their_labels_and_annotations()
    {
        Promtool.Require();
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("rules.yml", Translate(Path.Combine(Expected, "support.eval.yaml")).Yaml);
        // Two model configs: 70 of 100 logs passed for one, 95 for the other; every refund check passed.
        var series = new List<object>();
        foreach (var (config, passed) in new[] { ("gpt-4o-mini", 70), ("gpt-4o", 95) })
        {
            series.AddRange(Counters("support-bot", config, "outcome.passed", 100, passed));
            series.AddRange(Counters("support-bot", config, "refund.passed", 100, 100));
            series.AddRange(Logs("support-bot", config, passed, 100 - passed));
        }

        var alert = new Dictionary<string, object>
        {
            ["exp_labels"] = new Dictionary<string, string>
            {
                ["evalrunner_suite"] = "support-bot",
                ["evalrunner_model_config"] = "gpt-4o-mini",
                ["evalrunner_rule"] = "rate(outcome.passed) >= 0.9",
                ["severity"] = "warning",
            },
            ["exp_annotations"] = new Dictionary<string, string>
            {
                ["summary"] = "support-bot: rate(outcome.passed) >= 0.9 is not met by model config gpt-4o-mini",
                ["description"] = "Over the last 1h (50 logs or more), rate(outcome.passed) is 0.7 (0 when no log has a value of outcome.passed); the rule wants >= 0.9.",
            },
        };
        dir.File("test.yml", UnitTest("rules.yml", series, [alert]));

        var (exit, output) = await Promtool.RunAsync(dir.Path, ["test", "rules", "test.yml"], token);

        Assert.True(exit == 0, output);
    }

    [Fact(Timeout = 180000)]
    public async Task The_rules_fire_in_promtool_exactly_for_the_model_configs_and_rules_the_watcher_breaches()
    {
        Promtool.Require();
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("equiv.eval.yaml", """
            name: equiv
            evaluators: [{name: judge, type: contains, value: refund}]
            thresholds:
              - judge.passed == true
              - rate(judge.passed) >= 0.75
              - mean(judge.passed) >= 85%
              - lower(rate(judge.passed)) >= 0.75
              - upper(mean(judge.passed)) <= 0.9
              - rate(outcome.passed) > 0.8
            online: {window: 10m, min_logs: 20, alerts: {file: alerts.jsonl, cooldown: 0s}}
            """);
        // The counts where the Wilson bounds cross the rules' values, and either side of them.
        var lowerEdge = Enumerable.Range(0, 101).First(k => Intervals.Wilson(k, 100)!.Lower >= 0.75);
        var upperEdge = Enumerable.Range(0, 101).Last(k => Intervals.Wilson(k, 100)!.Upper <= 0.9);
        var cases = new[] { 70, 80, lowerEdge - 1, lowerEdge, upperEdge, upperEdge + 1, 95 }.Distinct()
            .Select(k => (Config: $"k{k}", Logs: 100, Passed: k))
            .Append((Config: "nineteen", Logs: 19, Passed: 0))
            .Append((Config: "twenty", Logs: 20, Passed: 0))
            .ToList();

        // The watcher's own decision on these logs: the last alert of each rule and model config.
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        await using (var watch = await InProcessWatch.StartAsync(suitePath, Path.Combine(dir.Path, "out"), null, token))
        {
            var total = 0;
            foreach (var (config, logs, passed) in cases)
            {
                Assert.True(await watch.Monitor.TryAcceptAsync([.. Enumerable.Range(0, logs).Select(i => WatchTests.PushedLog($"{config}:{i}", i < passed, model: config, at: at))], token));
                total += logs;
                await watch.UntilAsync(() => watch.Monitor.Evaluated == total, token);
            }
        }

        var breached = File.ReadAllLines(Path.Combine(dir.Path, "alerts.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .GroupBy(a => (Config: a.GetProperty("model_config").GetString()!, Rule: a.GetProperty("rule").GetString()!))
            .Where(g => g.Last().GetProperty("state").GetString() == "breach")
            .Select(g => g.Key)
            .ToHashSet();
        Assert.Contains(("k70", "rate(judge.passed) >= 0.75"), breached);
        Assert.Contains(("k80", "lower(rate(judge.passed)) >= 0.75"), breached);
        Assert.DoesNotContain(("k80", "rate(judge.passed) >= 0.75"), breached);
        Assert.Contains(($"k{lowerEdge - 1}", "lower(rate(judge.passed)) >= 0.75"), breached);
        Assert.DoesNotContain(($"k{lowerEdge}", "lower(rate(judge.passed)) >= 0.75"), breached);
        Assert.Contains(($"k{upperEdge + 1}", "upper(mean(judge.passed)) <= 0.9"), breached);
        Assert.DoesNotContain(($"k{upperEdge}", "upper(mean(judge.passed)) <= 0.9"), breached);
        Assert.Contains(("twenty", "rate(outcome.passed) > 0.8"), breached);
        Assert.DoesNotContain(breached, b => b.Config == "nineteen");

        // The same logs as a watcher's counters, scraped once a minute: 0 at the start, every log by the next scrape.
        var rules = Translate(suitePath);
        Assert.Equal(5, rules.Written.Count);
        dir.File("rules.yml", WithoutAnnotations(rules.Yaml));
        var series = new List<object>();
        foreach (var (config, logs, passed) in cases)
        {
            // A watcher whose rows were all false may never have exported a true counter.
            series.AddRange(Counters("equiv", config, "judge.passed", logs, passed, withTrue: passed > 0));
            series.AddRange(Counters("equiv", config, "outcome.passed", logs, passed, withTrue: passed > 0));
            series.AddRange(Logs("equiv", config, passed, logs - passed));
        }

        var expected = breached.OrderBy(b => b.Config, StringComparer.Ordinal).ThenBy(b => b.Rule, StringComparer.Ordinal).Select(b => new Dictionary<string, object>
        {
            ["exp_labels"] = new Dictionary<string, string>
            {
                ["evalrunner_suite"] = "equiv",
                ["evalrunner_model_config"] = b.Config,
                ["evalrunner_rule"] = b.Rule,
                ["severity"] = "warning",
            },
        }).ToList();
        dir.File("test.yml", UnitTest("rules.yml", series, expected));

        var (exit, output) = await Promtool.RunAsync(dir.Path, ["test", "rules", "test.yml"], token);

        Assert.True(exit == 0, $"the rules' alerts differ from the watcher's breaches ({string.Join(", ", breached)}):\n{output}");
    }

    /// <summary>The rows and true counters of one column of one model config: 0, then every log by the next scrape.</summary>
    internal static IEnumerable<object> Counters(string suite, string config, string column, int rows, int trues, bool withTrue = true)
    {
        var labels = $"evalrunner_suite=\"{suite}\",evalrunner_model_config=\"{config}\",evalrunner_column=\"{column}\"";
        yield return new { series = $"evalrunner_watch_column_rows_total{{{labels}}}", values = $"0 {rows}" };
        if (withTrue)
        {
            yield return new { series = $"evalrunner_watch_column_true_total{{{labels}}}", values = $"0 {trues}" };
        }
    }

    /// <summary>The logs counter of one model config, by outcome.</summary>
    internal static IEnumerable<object> Logs(string suite, string config, int passed, int failed)
    {
        foreach (var (outcome, count) in new[] { ("pass", passed), ("fail", failed) })
        {
            yield return new { series = $"evalrunner_watch_logs_total{{evalrunner_suite=\"{suite}\",evalrunner_model_config=\"{config}\",evalrunner_outcome=\"{outcome}\"}}", values = $"0 {count}" };
        }
    }

    /// <summary>A <c>promtool test rules</c> file (JSON is YAML): the series, and the alerts expected one scrape later.</summary>
    internal static string UnitTest(string rulesFile, IEnumerable<object> series, IReadOnlyList<Dictionary<string, object>> alerts) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["rule_files"] = new[] { rulesFile },
            ["evaluation_interval"] = "1m",
            ["tests"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["interval"] = "1m",
                    ["input_series"] = series.ToList(),
                    ["alert_rule_test"] = new[]
                    {
                        new Dictionary<string, object> { ["eval_time"] = "1m", ["alertname"] = PrometheusRules.AlertName, ["exp_alerts"] = alerts },
                    },
                },
            },
        });

    /// <summary>The rules with their annotations taken out: a test that checks which alerts fire, not their texts.</summary>
    private static string WithoutAnnotations(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        foreach (var group in (YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("groups")])
        {
            foreach (var rule in (YamlSequenceNode)((YamlMappingNode)group).Children[new YamlScalarNode("rules")])
            {
                ((YamlMappingNode)rule).Children.Remove(new YamlScalarNode("annotations"));
            }
        }

        var text = new StringWriter();
        stream.Save(text, assignAnchors: false);
        return text.ToString();
    }
}
