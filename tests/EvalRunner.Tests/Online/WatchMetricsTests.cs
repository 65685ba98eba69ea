using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EvalRunner.Statistics;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Online;

/// <summary>
/// The watcher's metrics as Prometheus sees them: `GET /metrics` on the listener and on `--metrics`, scraped by the real
/// `evalrunner watch` process and by a real Prometheus server.
/// </summary>
public sealed class WatchMetricsTests
{
    private const string Token = "metrics-secret-token-5678";
    private const string ContainsRule = "rate(contains.passed) >= 0.8";
    private const string PoliteRule = "mean(polite.passed) >= 0.1";
    private const string OutcomeRule = "lower(rate(outcome.passed)) >= 0.2";

    // contains.passed is read by a rate rule, polite.passed (a sampled evaluator) by a mean rule, outcome.passed by a rule
    // on its interval's bound; check.ok by none. A response with "boom" makes the Python evaluator raise: an error row.
    private const string Suite = """
        name: prod
        evaluators:
          - {type: contains, value: refund}
          - {type: contains, name: polite, value: please, sample: 0.5}
          - name: check
            type: python
            workers: 1
            code: |
              def main(input, output, context, full_history, generated_response, **kwargs):
                  if 'boom' in generated_response:
                      raise ValueError('boom')
                  return {'ok': True}
            columns: {ok: bool}
        thresholds:
          - contains.passed == true
          - rate(contains.passed) >= 0.8
          - mean(polite.passed) >= 0.1
          - lower(rate(outcome.passed)) >= 0.2
        run: {concurrency: 1}
        online: {min_logs: 4, alerts: {file: alerts.jsonl, cooldown: 0s}}
        """;

    private static readonly string[] ListenArguments = ["prod.eval.yaml", "--listen", "127.0.0.1:0", "--listen-token-env", "PUSH_TOKEN", "--out", "out"];

    private static readonly Dictionary<string, string> TokenEnvironment = new() { ["PUSH_TOKEN"] = Token };

    [Fact(Timeout = 240000)]
    public async Task Metrics_on_the_listener_need_its_token_and_say_the_watchers_counts_rule_values_and_states_and_a_restart_counts_no_row_again()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", Suite);
        var rows = Path.Combine(dir.Path, "out", "prod", "results.jsonl");
        var alerts = Path.Combine(dir.Path, "alerts.jsonl");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        List<PrometheusText> scrape;
        using (var watch = WatchProcess.Start(dir.Path, ListenArguments, TokenEnvironment))
        {
            var root = await watch.ListeningAsync(token);
            var metrics = new Uri(root, "metrics");
            using (var anonymous = await GetAsync(http, metrics, null, token))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            using (var wrong = await GetAsync(http, metrics, "not-the-token", token))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            // Four passing logs, then an error row and a failing one: the rate rule on contains.passed goes from 4/5 = 0.8
            // (an error counts as false) to 4/6 with the last row, which raises its alert.
            Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(http, root, ["p0 a refund, please", "p1 a refund, please", "p2 a refund", "p3 a refund"], token)).StatusCode);
            await watch.UntilAsync(() => Lines(rows) == 4, token);
            Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(http, root, ["e0 boom, a refund, please", "f0 no"], token)).StatusCode);
            await watch.UntilAsync(() => Lines(rows) == 6 && Alerts(alerts).Any(a => a.GetProperty("rule").GetString() == ContainsRule), token);

            var (samples, types) = await ScrapeUntilAsync(http, metrics, Token, s => Sum(s, "evalrunner_watch_evaluation_duration_seconds_count") == 6 && State(s, ContainsRule, "breached") == 1, watch, token);
            scrape = samples;
            foreach (var (family, type) in new[]
            {
                ("evalrunner_watch_logs_total", "counter"), ("evalrunner_watch_column_rows_total", "counter"), ("evalrunner_watch_column_true_total", "counter"),
                ("evalrunner_watch_rule_value", "gauge"), ("evalrunner_watch_rule_lower", "gauge"), ("evalrunner_watch_rule_upper", "gauge"),
                ("evalrunner_watch_rule_state", "gauge"), ("evalrunner_watch_evaluation_duration_seconds", "histogram"),
                ("evalrunner_watch_lag_seconds", "gauge"), ("evalrunner_watch_queue_depth", "gauge"),
            })
            {
                Assert.True(types.TryGetValue(family, out var actual) && actual == type, $"{family} should be a {type}: {string.Join(", ", types.Select(t => $"{t.Key} {t.Value}"))}");
            }

            await watch.KillAsync(token);
        }

        var written = File.ReadAllLines(rows).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var config = written[0].GetProperty("model_config").GetString()!;
        (string, string)[] prod = [("evalrunner_suite", "prod"), ("evalrunner_model_config", config)];

        // Logs by outcome.
        Assert.Equal(4, Value(scrape, "evalrunner_watch_logs_total", [.. prod, ("evalrunner_outcome", "pass")]));
        Assert.Equal(1, Value(scrape, "evalrunner_watch_logs_total", [.. prod, ("evalrunner_outcome", "fail")]));
        Assert.Equal(1, Value(scrape, "evalrunner_watch_logs_total", [.. prod, ("evalrunner_outcome", "error")]));

        // Rows and trues of each bool column a rate or mean rule reads, as docs/suites.md counts them: every row, an error
        // row as false, a row outside the evaluator's sample not at all.
        foreach (var (column, counted) in new[]
        {
            ("contains.passed", written.Select(r => Counted(r, "contains", "passed"))),
            ("polite.passed", written.Select(r => Counted(r, "polite", "passed"))),
            ("outcome.passed", written.Select(r => (true, r.GetProperty("outcome").GetString() == "pass"))),
        })
        {
            var expected = counted.Where(c => c.Item1).ToList();
            Assert.Equal(expected.Count, Value(scrape, "evalrunner_watch_column_rows_total", [.. prod, ("evalrunner_column", column)]));
            Assert.Equal(expected.Count(c => c.Item2), Value(scrape, "evalrunner_watch_column_true_total", [.. prod, ("evalrunner_column", column)]));
        }

        Assert.True(written.Any(r => !Counted(r, "polite", "passed").Counts), "the sample leaves some rows out of polite.passed");
        Assert.DoesNotContain(scrape, s => s.Name.StartsWith("evalrunner_watch_column_", StringComparison.Ordinal) && s.Has(("evalrunner_column", "check.ok")));

        // The rule's value is the one its alert said; its interval and states follow from the same window.
        var alert = Assert.Single(Alerts(alerts), a => a.GetProperty("rule").GetString() == ContainsRule);
        Assert.Equal("breach", alert.GetProperty("state").GetString());
        Assert.Equal(alert.GetProperty("value").GetDouble(), Value(scrape, "evalrunner_watch_rule_value", [.. prod, ("evalrunner_rule", ContainsRule)]), 12);
        Assert.Equal(4.0 / 6, Value(scrape, "evalrunner_watch_rule_value", [.. prod, ("evalrunner_rule", ContainsRule)]), 12);
        var wilson = Intervals.Wilson(4, 6)!;
        Assert.Equal(wilson.Lower, Value(scrape, "evalrunner_watch_rule_lower", [.. prod, ("evalrunner_rule", OutcomeRule)]), 12);
        Assert.Equal(wilson.Upper, Value(scrape, "evalrunner_watch_rule_upper", [.. prod, ("evalrunner_rule", OutcomeRule)]), 12);
        Assert.Equal(4.0 / 6, Value(scrape, "evalrunner_watch_rule_value", [.. prod, ("evalrunner_rule", OutcomeRule)]), 12);
        foreach (var rule in new[] { ContainsRule, PoliteRule, OutcomeRule })
        {
            var states = scrape.Where(s => s.Name == "evalrunner_watch_rule_state" && s.Has([.. prod, ("evalrunner_rule", rule)])).ToList();
            Assert.Equal(["breached", "not_enough_logs", "ok"], states.Select(s => s.Labels["evalrunner_state"]).Order());
            Assert.Equal(1, states.Sum(s => s.Value));
        }

        Assert.Equal(1, State(scrape, ContainsRule, "breached"));
        Assert.Equal(1, State(scrape, OutcomeRule, "ok"));
        Assert.DoesNotContain(scrape, s => s.Name.StartsWith("evalrunner_watch_rule_", StringComparison.Ordinal) && s.Has(("evalrunner_rule", "contains.passed == true")));

        // Timings: every row in the histogram; the lag of the last row; nothing left in the queue.
        Assert.Equal(6, Value(scrape, "evalrunner_watch_evaluation_duration_seconds_count", prod));
        Assert.Equal(6, Value(scrape, "evalrunner_watch_evaluation_duration_seconds_bucket", [.. prod, ("le", "+Inf")]));
        Assert.True(Value(scrape, "evalrunner_watch_evaluation_duration_seconds_sum", prod) > 0);
        Assert.True(Value(scrape, "evalrunner_watch_lag_seconds", [("evalrunner_suite", "prod")]) >= 0);
        Assert.Equal(0, Value(scrape, "evalrunner_watch_queue_depth", [("evalrunner_suite", "prod")]));
        Assert.DoesNotContain(Token, string.Concat(scrape.SelectMany(s => s.Labels.Values)), StringComparison.Ordinal);

        // A restart reads the rows back into its window (the gauges) but counts none of them again (the counters).
        using (var again = WatchProcess.Start(dir.Path, ListenArguments, TokenEnvironment))
        {
            var root = await again.ListeningAsync(token);
            var (samples, _) = await ScrapeUntilAsync(http, new Uri(root, "metrics"), Token, s => s.Any(m => m.Name == "evalrunner_watch_rule_value"), again, token);
            Assert.Equal(4.0 / 6, Value(samples, "evalrunner_watch_rule_value", [.. prod, ("evalrunner_rule", ContainsRule)]), 12);
            Assert.Equal(1, State(samples, ContainsRule, "breached"));
            Assert.Equal(1, State(samples, OutcomeRule, "ok"));
            Assert.DoesNotContain(samples, s => s.Name is "evalrunner_watch_logs_total" or "evalrunner_watch_column_rows_total" or "evalrunner_watch_column_true_total" or "evalrunner_watch_evaluation_duration_seconds_count" && s.Value > 0);
            await again.KillAsync(token);
        }
    }

    [Fact(Timeout = 180000)]
    public async Task A_scrape_during_a_burst_answers_while_every_evaluator_is_busy_and_says_the_queue_depth()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var gate = Path.Combine(dir.Path, "gate");
        // The one evaluator worker holds the first log until the test opens the gate: the rest of the burst waits in the queue.
        dir.File("prod.eval.yaml", $$"""
            name: prod
            evaluators:
              - name: check
                type: python
                workers: 1
                code: |
                  import os, time
                  def main(input, output, context, full_history, generated_response, **kwargs):
                      if 'slow' in generated_response:
                          while not os.path.exists({{JsonSerializer.Serialize(gate)}}):
                              time.sleep(0.01)
                      return {'ok': True}
                columns: {ok: bool}
            thresholds: ["rate(check.ok) >= 0.5"]
            run: {concurrency: 1}
            online: {min_logs: 1}
            """);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var watch = WatchProcess.Start(dir.Path, ListenArguments, TokenEnvironment);
        var root = await watch.ListeningAsync(token);
        var metrics = new Uri(root, "metrics");
        Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(http, root, ["s0 slow, a refund"], token)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(http, root, [.. Enumerable.Range(0, 50).Select(i => $"q{i} a refund")], token)).StatusCode);

        // Each scrape answers within the client's timeout while the evaluation is held.
        var (busy, _) = await ScrapeUntilAsync(http, metrics, Token, s => Value(s, "evalrunner_watch_queue_depth", [("evalrunner_suite", "prod")]) == 50, watch, token);
        Assert.DoesNotContain(busy, s => s.Name == "evalrunner_watch_logs_total" && s.Value > 0);

        File.WriteAllText(gate, string.Empty);
        var (done, _) = await ScrapeUntilAsync(http, metrics, Token, s => Sum(s, "evalrunner_watch_logs_total") == 51, watch, token);
        Assert.Equal(0, Value(done, "evalrunner_watch_queue_depth", [("evalrunner_suite", "prod")]));
        Assert.Equal(1, Value(done, "evalrunner_watch_rule_value", [("evalrunner_rule", "rate(check.ok) >= 0.5")]));
        await watch.KillAsync(token);
    }

    [Fact(Timeout = 120000)]
    public async Task Watch_metrics_serves_the_metrics_on_a_loopback_port_of_its_own_for_a_watcher_without_a_listener()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [contains.passed == true, rate(contains.passed) >= 0.5]\nonline: {min_logs: 1}\n");
        dir.File("app.jsonl", Log("a refund") + Log("a refund") + Log("no"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // A free port may be taken by a test running beside this one before the watcher binds it: then another.
        var (watch, port) = await WatchProcess.StartWithMetricsAsync(dir.Path, ["prod.eval.yaml", "--logs", "app.jsonl", "--out", "out", "--poll", "50ms"], token);
        using var watching = watch;
        var metrics = new Uri($"http://127.0.0.1:{port}/metrics");

        var (samples, types) = await ScrapeUntilAsync(http, metrics, null, s => Sum(s, "evalrunner_watch_logs_total") == 3 && s.Any(m => m.Name == "evalrunner_watch_rule_value"), watch, token);
        Assert.Equal("counter", types["evalrunner_watch_logs_total"]);
        Assert.Equal(2, Value(samples, "evalrunner_watch_logs_total", [("evalrunner_outcome", "pass")]));
        Assert.Equal(1, Value(samples, "evalrunner_watch_logs_total", [("evalrunner_outcome", "fail")]));
        Assert.Equal(3, Value(samples, "evalrunner_watch_column_rows_total", [("evalrunner_column", "contains.passed")]));
        Assert.Equal(2, Value(samples, "evalrunner_watch_column_true_total", [("evalrunner_column", "contains.passed")]));
        Assert.Equal(2.0 / 3, Value(samples, "evalrunner_watch_rule_value", [("evalrunner_rule", "rate(contains.passed) >= 0.5")]), 12);
        Assert.Contains($"http://127.0.0.1:{port}/metrics", watch.Output, StringComparison.Ordinal);
        await watch.KillAsync(token);
    }

    [Fact(Timeout = 120000)]
    public async Task With_otlp_the_watcher_sends_its_metrics_to_the_endpoints_v1_metrics_over_OTLP_HTTP()
    {
        var token = TestContext.Current.CancellationToken;
        await using var receiver = await FakeOtlpReceiver.StartAsync(token);
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [rate(contains.passed) >= 0.5]\nonline: {min_logs: 1}\n");
        dir.File("app.jsonl", Log("a refund") + Log("no"));
        // The SDK's periodic reader exports every OTEL_METRIC_EXPORT_INTERVAL milliseconds (60 s unless told).
        using var watch = WatchProcess.Start(
            dir.Path,
            ["prod.eval.yaml", "--logs", "app.jsonl", "--out", "out", "--poll", "50ms", "--otlp", receiver.BaseUrl.ToString()],
            new Dictionary<string, string> { ["OTEL_METRIC_EXPORT_INTERVAL"] = "200" });

        // An OTLP ExportMetricsServiceRequest in protobuf: the instruments' names and attribute values are its strings.
        static bool Has(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
        // The rule's gauge is recorded once the window decides it, which may be an export after the first counters.
        await watch.UntilAsync(() => receiver.Accepted("/v1/metrics").Any(body => Has(body, "evalrunner.watch.logs") && Has(body, "evalrunner.watch.column.true") && Has(body, "evalrunner.watch.rule.value")), token);
        var request = receiver.Requests.First(r => r.Path == "/v1/metrics");
        Assert.Equal("application/x-protobuf", request.ContentType);
        var body = receiver.Accepted("/v1/metrics").Last(b => Has(b, "evalrunner.watch.rule.value"));
        Assert.True(Has(body, "rate(contains.passed) >= 0.5"), "the rule's attribute is in the export");
        Assert.True(Has(body, "evalrunner.suite") && Has(body, "prod"), "the suite's attribute is in the export");
        await watch.KillAsync(token);
    }

    [Fact(Timeout = 120000)]
    public async Task Watch_metrics_on_a_port_in_use_or_a_bad_address_stops_with_one_line_and_no_stack_trace()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        dir.File("app.jsonl", string.Empty);
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var inUse = await EvalRunnerCli.RunAsync(dir.Path, ["watch", "prod.eval.yaml", "--logs", "app.jsonl", "--metrics", $"127.0.0.1:{port}"], token);
        Assert.Equal(2, inUse.ExitCode);
        Assert.Contains($"--metrics 127.0.0.1:{port}", inUse.StandardError, StringComparison.Ordinal);
        Assert.Contains("in use", inUse.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", inUse.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", inUse.StandardError, StringComparison.Ordinal);

        foreach (var bad in new[] { "nowhere", "127.0.0.1", "0", "70000" })
        {
            var result = await EvalRunnerCli.RunAsync(dir.Path, ["watch", "prod.eval.yaml", "--logs", "app.jsonl", "--metrics", bad], token);
            Assert.Equal(2, result.ExitCode);
            Assert.Contains($"--metrics '{bad}' is not a port", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 240000)]
    public async Task A_real_Prometheus_scraping_the_watcher_with_its_token_gets_the_watchers_counts_and_rule_value()
    {
        TestPrerequisite.Require(PrometheusServer.IsInstalled, $"prometheus is not installed ({PrometheusServer.Executable}): run tests/setup.sh");
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [contains.passed == true, rate(contains.passed) >= 0.8]\nrun: {concurrency: 1}\nonline: {min_logs: 4}\n");
        var tokenFile = dir.File("evalrunner-watch-token", Token);
        var rows = Path.Combine(dir.Path, "out", "prod", "results.jsonl");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var watch = WatchProcess.Start(dir.Path, ListenArguments, TokenEnvironment);
        var root = await watch.ListeningAsync(token);
        Assert.Equal(HttpStatusCode.Accepted, (await PushAsync(http, root, ["p0 a refund", "p1 a refund", "p2 a refund", "p3 a refund", "f0 no", "f1 no"], token)).StatusCode);
        await watch.UntilAsync(() => Lines(rows) == 6, token);

        // The scrape configuration of docs/online.md, scraping every second, at this watcher and its token file.
        var configuration = DocumentedScrapeConfiguration()
            .Replace("scrape_interval: 15s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("/etc/prometheus/evalrunner-watch-token", tokenFile, StringComparison.Ordinal)
            .Replace("127.0.0.1:8080", $"{root.Host}:{root.Port}", StringComparison.Ordinal);
        await using var prometheus = await PrometheusServer.StartAsync(configuration, token);

        const string Column = "{evalrunner_column=\"contains.passed\"}";
        await prometheus.WaitForValueAsync("sum(evalrunner_watch_logs_total)", 6, token);
        await prometheus.WaitForValueAsync($"sum(evalrunner_watch_column_rows_total{Column})", 6, token);
        await prometheus.WaitForValueAsync($"sum(evalrunner_watch_column_true_total{Column})", 4, token);
        await prometheus.WaitForValueAsync($"sum by (evalrunner_model_config) (evalrunner_watch_column_true_total{Column}) / sum by (evalrunner_model_config) (evalrunner_watch_column_rows_total{Column})", 4.0 / 6, token);
        await prometheus.WaitForValueAsync("evalrunner_watch_rule_value{evalrunner_rule=\"rate(contains.passed) >= 0.8\"}", 4.0 / 6, token);
        await prometheus.WaitForValueAsync("evalrunner_watch_rule_state{evalrunner_rule=\"rate(contains.passed) >= 0.8\",evalrunner_state=\"breached\"}", 1, token);
        await prometheus.WaitForValueAsync("up{job=\"evalrunner-watch\"}", 1, token);
        await watch.KillAsync(token);
    }

    /// <summary>The Prometheus configuration that docs/online.md shows for scraping a watcher.</summary>
    private static string DocumentedScrapeConfiguration()
    {
        var docs = File.ReadAllText(Path.Combine(Repository.Root, "docs", "online.md"));
        var start = docs.IndexOf("```yaml\n# prometheus.yml\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/online.md shows a prometheus.yml");
        start += "```yaml\n".Length;
        return docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];
    }

    private static string Log(string response) =>
        JsonSerializer.Serialize(new { input = "can I get my money back?", generated_response = response }) + "\n";

    /// <summary>Pushes one log per text; a text's first word is its id.</summary>
    private static async Task<HttpResponseMessage> PushAsync(HttpClient http, Uri root, string[] texts, CancellationToken cancellationToken)
    {
        var body = string.Concat(texts.Select(t => JsonSerializer.Serialize(new { id = t.Split(' ')[0], input = "can I get my money back?", generated_response = t }) + "\n"));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, "logs")) { Content = new StringContent(body, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Authorization = new("Bearer", Token);
        return await http.SendAsync(request, cancellationToken);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, Uri url, string? bearer, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (bearer is not null)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }

        return await http.SendAsync(request, cancellationToken);
    }

    /// <summary>Scrapes until <paramref name="done"/> holds of the samples; every scrape must answer 200 within the client's timeout.</summary>
    private static async Task<(List<PrometheusText> Samples, Dictionary<string, string> Types)> ScrapeUntilAsync(
        HttpClient http, Uri url, string? bearer, Func<List<PrometheusText>, bool> done, WatchProcess watch, CancellationToken cancellationToken)
    {
        while (true)
        {
            Assert.False(watch.HasExited, $"the watcher exited: {watch.Output}");
            string text;
            try
            {
                using var response = await GetAsync(http, url, bearer, cancellationToken);
                text = await response.Content.ReadAsStringAsync(cancellationToken);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)response.StatusCode}: {text}");
            }
            catch (HttpRequestException) when (!watch.Output.Contains("metrics for Prometheus", StringComparison.Ordinal))
            {
                // Not listening yet.
                await Task.Delay(50, cancellationToken);
                continue;
            }

            var parsed = PrometheusText.Parse(text);
            if (done(parsed.Samples))
            {
                return parsed;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static double Sum(List<PrometheusText> samples, string name) => samples.Where(s => s.Name == name).Sum(s => s.Value);

    /// <summary>The value of the one sample of <paramref name="name"/> with these labels.</summary>
    private static double Value(List<PrometheusText> samples, string name, (string, string)[] labels)
    {
        var matching = samples.Where(s => s.Name == name && s.Has(labels)).ToList();
        Assert.True(matching.Count == 1, $"{matching.Count} samples of {name} with {string.Join(", ", labels)}; the scrape has: {string.Join("; ", samples.Where(s => s.Name == name).Select(s => string.Join(",", s.Labels.Select(l => $"{l.Key}={l.Value}")) + " " + s.Value))}");
        return matching[0].Value;
    }

    private static double State(List<PrometheusText> samples, string rule, string state) =>
        samples.Where(s => s.Name == "evalrunner_watch_rule_state" && s.Has(("evalrunner_rule", rule), ("evalrunner_state", state))).Sum(s => s.Value);

    /// <summary>Whether a row counts in a rate of <c>evaluator.column</c> (an error row does, as false; a row without the value does not), and whether it is true.</summary>
    private static (bool Counts, bool True) Counted(JsonElement row, string evaluator, string column)
    {
        if (row.GetProperty("outcome").GetString() == "error")
        {
            return (true, false);
        }

        return row.GetProperty("evaluations").TryGetProperty(evaluator, out var values) && values.TryGetProperty(column, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? (true, value.GetBoolean())
            : (false, false);
    }

    private static int Lines(string path) => File.Exists(path) ? File.ReadAllLines(path).Count(l => l.EndsWith('}')) : 0;

    private static List<JsonElement> Alerts(string path) =>
        File.Exists(path) ? [.. File.ReadAllLines(path).Where(l => l.EndsWith('}')).Select(l => JsonDocument.Parse(l).RootElement)] : [];
}
