using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Caching;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Runs;

/// <summary>
/// Replay mode (<c>--cache replay</c>, a fork's pull request): datapoints whose calls are not in the committed cache
/// need a live run. A cache is filled by a live run of three datapoints; the suite then has five.
/// </summary>
public sealed class ReplayMissingTests
{
    private static string Dataset(int count) => string.Join('\n', Enumerable.Range(0, count).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"question {i}\",\"expected\":\"question {i}\"}}"));

    private static string Suite(FakeOpenAIServer server, string run = "") => $$"""
        name: replay
        dataset: cases.jsonl
        models:
          - name: gpt
            provider: openai
            model: gpt-4o-mini
            base_url: {{server.BaseUrl}}
            api_key: sk-test
        evaluators:
          - type: contains
        thresholds:
          - contains.passed == true
          - mean(contains.passed) >= 0.9
        run:
          concurrency: 2
        {{run}}
        """;

    /// <summary>Fills the cache with a live run of the first three datapoints, then writes a dataset of <paramref name="count"/>.</summary>
    private static async Task<string> FillCacheAsync(TempDirectory dir, FakeOpenAIServer server, string yaml, int count)
    {
        var cache = Path.Combine(dir.Path, "cache");
        dir.File("cases.jsonl", Dataset(3));
        var live = await SuiteRun.RunAsync(dir, yaml, TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, "live"), Cache = new FileResponseCache(cache, CacheMode.ReadWrite) }, TestContext.Current.CancellationToken);
        Assert.Equal(Verdict.Pass, live.Result.Verdict);
        Assert.Equal(3, server.RequestCount);
        dir.File("cases.jsonl", Dataset(count));
        return cache;
    }

    [Fact(Timeout = 120000)]
    public async Task A_cached_response_object_of_the_wrong_shape_is_a_miss_not_an_error_naming_a_type()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var yaml = Suite(server);
        var cache = await FillCacheAsync(dir, server, yaml, 3);
        foreach (var file in Directory.GetFiles(cache, "responses-*.jsonl"))
        {
            File.WriteAllLines(file, File.ReadAllLines(file).Select(line => System.Text.RegularExpressions.Regex.Replace(line, "\"response\":\\{.*\\}\\}$", "\"response\":{\"messages\":5}}")));
            Assert.Contains("\"response\":{\"messages\":5}", File.ReadAllText(file), StringComparison.Ordinal);
        }

        var (result, rows) = await SuiteRun.RunAsync(dir, yaml, TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, "replayed"), Cache = new FileResponseCache(cache, CacheMode.Replay) }, TestContext.Current.CancellationToken);

        Assert.Equal(3, rows.Count);
        Assert.All(rows, row => Assert.Equal("cache_miss", row.GetProperty("error").Kind()));
        Assert.All(rows, row => Assert.DoesNotContain("System.", row.GetProperty("error").Message(), StringComparison.Ordinal));
        Assert.Equal(3, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task With_replay_missing_skip_datapoints_not_in_the_cache_need_a_live_run_and_the_verdict_is_decided_on_the_rest()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var yaml = Suite(server);
        var cache = await FillCacheAsync(dir, server, yaml, 5);

        var (result, rows) = await SuiteRun.RunAsync(dir, yaml, TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, "replayed"), Cache = new FileResponseCache(cache, CacheMode.Replay) }, TestContext.Current.CancellationToken);

        Assert.Equal(3, server.RequestCount);
        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Equal((5, 3, 0, 2), (result.Rows, result.Passed, result.Failed, result.Excluded));
        Assert.Contains("2 of 5 datapoints need a live run", result.Reason, StringComparison.Ordinal);
        Assert.Contains(result.Reasons, r => r.Kind == VerdictReasonKind.NeedsLiveRun);
        var aggregate = Assert.Single(result.Aggregates);
        Assert.Equal((3, 3), (aggregate.Covered, aggregate.Of));
        Assert.Equal(1.0, result.Models[0].PassRate);
        Assert.Equal(2, rows.Count(r => r.GetProperty("error").ValueKind != System.Text.Json.JsonValueKind.Null && r.GetProperty("error").GetProperty("kind").GetString() == "cache_miss"));

        var reports = await RunReport.ReadAllAsync(Path.Combine(dir.Path, "replayed"), TestContext.Current.CancellationToken);
        var summary = MarkdownReport.Render(reports);
        Assert.Contains("### Needs live run (2)", summary, StringComparison.Ordinal);
        Assert.Contains("- replay › d3 [gpt]", summary, StringComparison.Ordinal);
        Assert.Contains("- replay › d4 [gpt]", summary, StringComparison.Ordinal);
        Assert.Contains("| suite | verdict | datapoints | passed | failed | errors | needs live run | pass rate |", summary, StringComparison.Ordinal);
        Assert.Contains("| 5 | 3 | 0 | 0 | 2 | 100.0% |", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Failing datapoints", summary, StringComparison.Ordinal);
        var comment = MarkdownReport.Render(reports, marker: true);
        Assert.Contains("### Needs live run (2)", comment, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"needs-live-run\"", HtmlReport.Render(reports), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task With_replay_missing_fail_datapoints_not_in_the_cache_are_failing_rows_without_a_value()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var yaml = Suite(server, "  replay_missing: fail");
        var cache = await FillCacheAsync(dir, server, yaml, 5);

        var (result, rows) = await SuiteRun.RunAsync(dir, yaml, TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, "replayed"), Cache = new FileResponseCache(cache, CacheMode.Replay) }, TestContext.Current.CancellationToken);

        Assert.Equal(3, server.RequestCount);
        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Equal((5, 3, 2, 0, 0), (result.Rows, result.Passed, result.Failed, result.Errors, result.Excluded));
        Assert.Contains("2 of 5 rows failed", result.Reason, StringComparison.Ordinal);
        var aggregate = Assert.Single(result.Aggregates);
        Assert.Equal((3, 5), (aggregate.Covered, aggregate.Of));
        var failed = rows.Where(r => r.GetProperty("outcome").GetString() == "fail").ToList();
        Assert.Equal(2, failed.Count);
        Assert.All(failed, r => Assert.Contains("needs a live run (run.replay_missing: fail)", r.GetProperty("failed_rules")[0].GetString(), StringComparison.Ordinal));
        var summary = MarkdownReport.Render(await RunReport.ReadAllAsync(Path.Combine(dir.Path, "replayed"), TestContext.Current.CancellationToken));
        Assert.Contains("### Failing datapoints (2)", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("Needs live run", summary, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task The_cli_replaying_a_suite_with_no_datapoint_in_the_cache_measures_nothing_and_exits_2()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        dir.File("cases.jsonl", Dataset(3));
        var suite = dir.File("suite.eval.yaml", Suite(server));

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out", "--cache", "replay", "--cache-dir", "empty-cache"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        Assert.Equal(0, server.RequestCount);
        Assert.Contains("nothing was measured: all 3 datapoints need a live run", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("needs live run: 3 of 3 rows", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Failing rows", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task The_cli_replaying_a_suite_with_most_datapoints_not_in_the_cache_exits_0_unmeasured_and_never_says_passed()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var suite = dir.File("suite.eval.yaml", Suite(server));
        dir.File("cases.jsonl", Dataset(1));
        var live = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "live", "--cache-dir", "cache"], TestContext.Current.CancellationToken);
        Assert.True(live.ExitCode == 0, live.StandardOutput + live.StandardError);
        // A fork's pull request changed nine of ten datapoints: only the tenth is in the committed cache.
        dir.File("cases.jsonl", Dataset(10));

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out", "--cache", "replay", "--cache-dir", "cache"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("UNMEASURED replay: ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 of 10 measured", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("PASS replay", result.StandardOutput, StringComparison.Ordinal);
        var summary = File.ReadAllText(Path.Combine(dir.Path, "out", "summary.md"));
        Assert.Contains("## ⏳ EvalRunner: replay not decided — 1 of 10 measured; 9 need a live run", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("✅", summary.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("| replay | ⏳ unmeasured | 10 | 1 | 0 | 0 | 9 | 100.0% |", summary, StringComparison.Ordinal);
        Assert.Contains("\"verdict\": \"unmeasured\"", File.ReadAllText(Path.Combine(dir.Path, "out", "replay", "run.json")), StringComparison.Ordinal);

        // The suite decides how much must be measured for a verdict: with run.min_measured 0.1, one of ten is enough.
        File.WriteAllText(suite, Suite(server, "  min_measured: 0.1"));
        var allowed = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "allowed", "--cache", "replay", "--cache-dir", "cache"], TestContext.Current.CancellationToken);

        Assert.True(allowed.ExitCode == 0, allowed.StandardOutput + allowed.StandardError);
        Assert.Contains("PASS replay: ", allowed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("## ✅ EvalRunner: replay passed — 1 of 10 measured; 9 need a live run", File.ReadAllText(Path.Combine(dir.Path, "allowed", "summary.md")), StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task The_cli_lists_datapoints_that_need_a_live_run_and_passes_on_the_measured_ones()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var suite = dir.File("suite.eval.yaml", Suite(server));
        dir.File("cases.jsonl", Dataset(2));
        var live = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "live", "--cache-dir", "cache"], TestContext.Current.CancellationToken);
        Assert.True(live.ExitCode == 0, live.StandardOutput + live.StandardError);
        // A bidirectional control in an id is shown as a marker in the console, not obeyed.
        dir.File("cases.jsonl", Dataset(4).Replace("\"id\":\"d3\"", "\"id\":\"d3\\u202Eevil\"", StringComparison.Ordinal));
        var requests = server.RequestCount;

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out", "--cache", "replay", "--cache-dir", "cache"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal(requests, server.RequestCount);
        Assert.Contains("2 of 4 datapoints need a live run", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("needs live run: 2 of 4 rows", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("d2 [gpt], d3<U+202E>evil [gpt]", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("\u202E", result.StandardOutput, StringComparison.Ordinal);
    }
}
