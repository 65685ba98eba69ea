using System.Text.Json;
using EvalRunner.Caching;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Resilience;

/// <summary>Faults, cache and replay, budgets and cost against the OpenAI-compatible test server.</summary>
public sealed class ResilienceTests
{
    private static string Dataset(int count) => string.Join('\n', Enumerable.Range(0, count).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"question {i}\",\"expected\":\"question {i}\"}}"));

    private static string Suite(FakeOpenAIServer server, string run = "", string extra = "") => $$"""
        dataset: cases.jsonl
        models:
          - name: gpt
            provider: openai
            model: gpt-4o-mini
            base_url: {{server.BaseUrl}}
            api_key: ${TEST_KEY}
        evaluators:
          - type: contains
        thresholds:
          - contains.passed == true
        {{extra}}
        run:
          concurrency: 4
        {{run}}
        """;

    private static readonly Settings Key = TestSettings.With(("TEST_KEY", "sk-resilience-secret-77"));

    private static Task<SuiteRun> RunAsync(TempDirectory dir, string yaml, RunRequest? request = null) => SuiteRun.RunAsync(dir, yaml, Key, request, TestContext.Current.CancellationToken);

    private static void AssertNoSecretIn(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("sk-resilience-secret-77", File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task Rate_limits_server_errors_hangs_and_resets_are_retried_and_no_row_is_lost()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        // The OpenAI SDK waits for Retry-After on the real clock (it takes no TimeProvider): ask for the shortest wait.
        server.FailNext(2, 429, "{\"error\":{\"message\":\"rate limited\"}}", retryAfter: TimeSpan.FromMilliseconds(1));
        server.FailNext(2, 500, "{\"error\":{\"message\":\"boom\"}}");
        // The hung request ends at the SDK's request_timeout, on the real clock; long enough that no answered request
        // on a loaded machine reaches it (each one more would be a request more than the assertion expects).
        server.HangNext(1);
        server.ResetNext(1);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(10));

        var (result, rows) = await RunAsync(dir, Suite(server, "  request_timeout: 5s\n  retries: 4\n  timeout: 120s\n"));

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Equal(10, rows.Count);
        Assert.Equal(10 + 6, server.RequestCount);
        Assert.Equal(10, server.Requests.Select(r => r.Messages[^1].Content).Distinct().Count());
        AssertNoSecretIn(dir.Path);
    }

    [Fact(Timeout = 120000)]
    public async Task A_datapoint_that_fails_after_all_retries_is_an_error_row_with_the_cause_and_the_run_goes_on()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(3, 500, "{\"error\":{\"message\":\"the model is overloaded, key sk-resilience-secret-77\"}}");
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(1) + "\n" + "{\"id\":\"later\",\"input\":\"question later\",\"expected\":\"later\"}");

        var (result, rows) = await RunAsync(dir, Suite(server, "  retries: 2\n  concurrency: 1\n").Replace("  concurrency: 4\n", string.Empty, StringComparison.Ordinal));

        var error = rows.Single(r => r.GetProperty("outcome").GetString() == "error").GetProperty("error").Message()!;
        Assert.Contains("the model is overloaded, key ***", error, StringComparison.Ordinal);
        Assert.Equal((1, 1), (result.Passed, result.Errors));
        AssertNoSecretIn(dir.Path);
    }

    [Fact(Timeout = 120000)]
    public async Task A_second_run_replays_from_the_cache_with_the_server_stopped_and_a_changed_prompt_needs_a_live_run()
    {
        using var dir = new TempDirectory();
        var cacheDir = Path.Combine(dir.Path, "cache");
        dir.File("cases.jsonl", Dataset(5));
        string yaml;
        await using (var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken))
        {
            yaml = Suite(server);
            var (first, firstRows) = await RunAsync(dir, yaml, new RunRequest { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, CacheMode.ReadWrite) });
            Assert.Equal(Verdict.Pass, first.Verdict);
            Assert.Equal(5, server.RequestCount);
            Assert.All(firstRows, r => Assert.False(r.GetProperty("log").GetProperty("cache_hit").GetBoolean()));
            Assert.True(first.CostUsd > 0);
        }

        var replayed = await RunAsync(dir, yaml, new RunRequest { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, CacheMode.Replay) });

        Assert.Equal(Verdict.Pass, replayed.Result.Verdict);
        Assert.All(replayed.Rows, r => Assert.True(r.GetProperty("log").GetProperty("cache_hit").GetBoolean()));
        Assert.Equal(5, replayed.Result.Models[0].CacheHits);
        Assert.Equal(0, replayed.Result.CostUsd);
        Assert.True(replayed.Result.Models[0].TokensSaved > 0);

        // A changed prompt is not in the cache: in replay mode that datapoint is excluded (it needs a live run), not an
        // error; it is in no denominator and is listed in the summary.
        dir.File("cases.jsonl", Dataset(5).Replace("question 3\",\"expected", "question three\",\"expected", StringComparison.Ordinal));
        var changed = await RunAsync(dir, yaml, new RunRequest { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, CacheMode.Replay) });
        Assert.Equal((4, 0, 1), (changed.Result.Passed, changed.Result.Errors, changed.Result.Excluded));
        var miss = changed.Rows.Single(r => r.GetProperty("outcome").GetString() == "error").GetProperty("error");
        Assert.Equal("cache_miss", miss.Kind());
        Assert.Equal("generation failed (gpt): not in cache (replay mode): this call needs a live run", miss.Message());
        Assert.Equal(Verdict.Pass, changed.Result.Verdict);
        Assert.Contains("1 of 5 datapoints need a live run", changed.Result.Reason, StringComparison.Ordinal);
        var summary = MarkdownReport.Render(await RunReport.ReadAllAsync(Path.Combine(dir.Path, "out"), TestContext.Current.CancellationToken));
        Assert.Contains("### Needs live run (1)", summary, StringComparison.Ordinal);
        Assert.Contains("- suite › d3 [gpt]", summary, StringComparison.Ordinal);
        Assert.NotEqual(0, new FileResponseCache(cacheDir, CacheMode.ReadOnly).Count);
        AssertNoSecretIn(dir.Path);
    }

    [Fact(Timeout = 120000)]
    public async Task A_read_only_cache_answers_but_stores_nothing_and_prune_removes_old_entries()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var cacheDir = Path.Combine(dir.Path, "cache");
        dir.File("cases.jsonl", Dataset(3));

        await RunAsync(dir, Suite(server), new RunRequest { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, CacheMode.ReadOnly) });
        Assert.False(Directory.Exists(cacheDir));
        await RunAsync(dir, Suite(server), new RunRequest { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, CacheMode.ReadWrite) });
        var stored = new FileResponseCache(cacheDir, CacheMode.ReadOnly).Count;
        var kept = new FileResponseCache(cacheDir, CacheMode.ReadWrite).Prune(TimeSpan.FromDays(1));
        var removed = new FileResponseCache(cacheDir, CacheMode.ReadWrite, timeProvider: new FakeTimeProvider(TimeProvider.System.GetUtcNow() + TimeSpan.FromDays(2))).Prune(TimeSpan.FromDays(1));

        Assert.Equal(3, stored);
        Assert.Equal(0, kept);
        Assert.Equal(3, removed);
        Assert.Equal(6, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task A_budget_stops_new_calls_keeps_what_finished_and_says_so_in_the_verdict()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(30));

        var (result, rows) = await RunAsync(dir, Suite(server, "  max_cost: 0.01\n", "prices:\n  gpt-4o-mini: {input: 1000, output: 1000}\n").Replace("  concurrency: 4\n", "  concurrency: 1\n", StringComparison.Ordinal));

        Assert.Equal(Verdict.Error, result.Verdict);
        Assert.Contains("budget reached: spent $", result.Reason, StringComparison.Ordinal);
        Assert.Contains("of run.max_cost $0.01; no new calls were started", result.Reason, StringComparison.Ordinal);
        Assert.InRange(rows.Count, 1, 3);
        Assert.Equal(rows.Count, server.RequestCount);
        Assert.True(rows[0].GetProperty("log").GetProperty("cost_usd").GetDouble() > 0.001);
    }
}
