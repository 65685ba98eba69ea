using System.Collections.Concurrent;
using System.Text.Json;
using EvalRunner.Caching;
using EvalRunner.Datasets;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Runs;

/// <summary>Repeated trials (<c>run.repeat</c>, <c>run.min_passes</c>, <c>--repeat</c>): rows per trial, k of n, flaky datapoints, the cache and resume.</summary>
public sealed class RepeatTests
{
    private const string Dataset = """
        {"id": "steady", "input": "Q-steady"}
        {"id": "flaky", "input": "Q-flaky"}
        {"id": "bad", "input": "Q-bad"}

        """;

    // Per datapoint, the judge's score on its 1st, 2nd and 3rd call: steady passes 3 of 3, flaky 2 of 3, bad 1 of 3.
    private static readonly Dictionary<string, int[]> Scores = new()
    {
        ["Q-steady"] = [5, 5, 5],
        ["Q-flaky"] = [5, 1, 5],
        ["Q-bad"] = [1, 5, 1],
    };

    private static string JudgedSuite(FakeOpenAIServer server, string run) => $$"""
        dataset: cases.jsonl
        models:
          - {name: bot, provider: openai, model: bot, base_url: "{{server.BaseUrl}}"}
        judge: {provider: openai, model: judge-model, base_url: "{{server.BaseUrl}}"}
        evaluators:
          - name: judge
            type: llm
            prompt: "Rate the answer to {input.content}: {generated_response}"
            output_schema:
              - {name: score, type: integer, description: 'Score, 1-5'}
        thresholds:
          - judge.score >= 3
        run: {{run}}
        """;

    // Every row of a repeated run says its trial; results written before it did read trial 1 when it is absent.
    private static int Trial(JsonElement row) => row.TryGetProperty("trial", out var trial) ? trial.GetInt32() : 1;

    private static void JudgeVariesPerCall(FakeOpenAIServer server)
    {
        var calls = new ConcurrentDictionary<string, int>();
        server.Respond = request =>
        {
            if (request.Model != "judge-model")
            {
                return "an answer";
            }

            var text = string.Join('\n', request.Messages.Select(m => m.Content));
            var input = Scores.Keys.First(k => text.Contains(k, StringComparison.Ordinal));
            var call = calls.AddOrUpdate(input, 1, (_, n) => n + 1);
            return $$"""{"score": {{Scores[input][(call - 1) % 3]}}}""";
        };
    }

    [Fact(Timeout = 120000)]
    public async Task Three_trials_with_a_varying_judge_are_decided_by_k_of_n_and_the_flaky_datapoints_are_listed()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        JudgeVariesPerCall(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset);

        var run = await SuiteRun.RunAsync(dir, JudgedSuite(server, "{repeat: 3, min_passes: 2}"), TestContext.Current.CancellationToken);

        var (result, rows) = run;
        Assert.Equal(9, rows.Count);
        foreach (var id in new[] { "steady", "flaky", "bad" })
        {
            var trials = rows.Where(r => r.GetProperty("datapoint_id").GetString() == id).Select(Trial).Order().ToList();
            Assert.Equal([1, 2, 3], trials);
        }

        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Contains("1 of 3 datapoints failed (fewer than min_passes 2 of 3 trials passed); 2 flaky", result.Reason, StringComparison.Ordinal);
        var datapoints = Assert.IsType<DatapointSummary>(result.Datapoints);
        Assert.Equal((3, 2, 1, 0, 2), (datapoints.Total, datapoints.Passed, datapoints.Failed, datapoints.Errored, datapoints.Flaky));
        Assert.Equal([("bad", 1, 3, false), ("flaky", 2, 3, true)], datapoints.FlakyDatapoints.Select(f => (f.Id, f.Passed, f.Trials, f.Met)));
        var model = Assert.Single(result.Models);
        Assert.Equal(1.0, model.PassAtK);
        Assert.Equal(Math.Round(1.0 / 3, 6), model.PassHatK);

        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Directory, "run.json"))).RootElement;
        Assert.Equal(2, json.GetProperty("datapoints").GetProperty("flaky").GetInt32());
        Assert.Equal("bad", json.GetProperty("datapoints").GetProperty("flaky_datapoints")[0].GetProperty("id").GetString());
        Assert.Equal(1.0, json.GetProperty("models")[0].GetProperty("pass_at_k").GetDouble());
        Assert.Equal(0.333333, json.GetProperty("models")[0].GetProperty("pass_hat_k").GetDouble());

        var markdown = MarkdownReport.Render([new RunReport { Run = result, Directory = run.Directory }]);
        Assert.Contains("#### Flaky datapoints (2)", markdown, StringComparison.Ordinal);
        Assert.Contains("- suite › bad [bot]: 1 of 3 trials passed (below min passes)", markdown, StringComparison.Ordinal);
        Assert.Contains("| suite | bot | 3 | 2 | 100.0% | 33.3% |", markdown, StringComparison.Ordinal);
        var html = HtmlReport.Render([new RunReport { Run = result, Directory = run.Directory }]);
        Assert.Contains("Flaky datapoints", html, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Enough_passing_trials_pass_a_flaky_datapoint_and_the_run_says_how_many_were_flaky()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        JudgeVariesPerCall(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset);

        var (result, rows) = await SuiteRun.RunAsync(
            dir, JudgedSuite(server, "{repeat: 3, min_passes: 1}"), TestSettings.With(), new RunRequest { OutputDirectory = string.Empty, Filter = new DatapointFilter { Terms = ["flaky", "steady"] } }, TestContext.Current.CancellationToken);

        Assert.Equal(6, rows.Count);
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal("2 of 2 datapoints passed (at least 1 of 3 trials each); 1 flaky (some trials passed, some did not)", result.Reason);
    }

    [Fact(Timeout = 120000)]
    public async Task Each_trial_has_its_own_cached_response_and_trial_1_keeps_the_key_of_a_run_without_repeat()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var calls = 0;
        server.Respond = _ => $"answer {Interlocked.Increment(ref calls)}";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"hello\"}\n");
        string Suite(int repeat) => $"dataset: cases.jsonl\nmodels: [{{name: bot, provider: openai, model: bot, base_url: \"{server.BaseUrl}\"}}]\nevaluators: [{{type: length}}]\nrun: {{repeat: {repeat}}}\n";
        var cacheDirectory = Path.Combine(dir.Path, "cache");
        async Task<Dictionary<int, (string Response, bool Hit)>> RunAsync(int repeat, string output)
        {
            var cache = new FileResponseCache(cacheDirectory, CacheMode.ReadWrite);
            var (_, rows) = await SuiteRun.RunAsync(dir, Suite(repeat), TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, output), Cache = cache }, TestContext.Current.CancellationToken);
            return rows.ToDictionary(
                r => r.TryGetProperty("trial", out var trial) ? trial.GetInt32() : 1,
                r => (r.GetProperty("log").GetProperty("generated_response").GetString()!, r.GetProperty("log").GetProperty("cache_hit").GetBoolean()));
        }

        // A cache written by a run without repeat, as every cache was before.
        var before = await RunAsync(1, "before");
        Assert.Equal(1, server.RequestCount);

        var first = await RunAsync(3, "first");
        Assert.Equal(3, server.RequestCount);
        Assert.Equal((before[1].Response, true), first[1]);
        Assert.Equal(3, first.Values.Select(v => v.Response).Distinct().Count());
        Assert.False(first[2].Hit);

        var second = await RunAsync(3, "second");
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(first.ToDictionary(e => e.Key, e => e.Value.Response), second.ToDictionary(e => e.Key, e => e.Value.Response));
        Assert.All(second.Values, v => Assert.True(v.Hit));

        var once = await RunAsync(1, "once");
        Assert.Equal(3, server.RequestCount);
        Assert.Equal((before[1].Response, true), once[1]);
    }

    [Fact(Timeout = 120000)]
    public async Task The_judge_is_asked_again_in_each_trial_and_answered_from_the_cache_in_the_next_run()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        JudgeVariesPerCall(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"flaky\", \"input\": \"Q-flaky\"}\n");
        var cacheDirectory = Path.Combine(dir.Path, "cache");

        var first = await SuiteRun.RunAsync(dir, JudgedSuite(server, "{repeat: 3, min_passes: 2}"), TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, "one"), Cache = new FileResponseCache(cacheDirectory, CacheMode.ReadWrite) }, TestContext.Current.CancellationToken);
        var requests = server.RequestCount;
        var second = await SuiteRun.RunAsync(dir, JudgedSuite(server, "{repeat: 3, min_passes: 2}"), TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, "two"), Cache = new FileResponseCache(cacheDirectory, CacheMode.ReadWrite) }, TestContext.Current.CancellationToken);

        Assert.Equal(6, requests);
        Assert.Equal(requests, server.RequestCount);
        static List<(int, long)> Scores(SuiteRun run) => [.. run.Rows.Select(r => (Trial(r), r.Evaluation("judge").GetProperty("score").GetInt64())).Order()];
        Assert.Equal(Scores(first), Scores(second));
        Assert.Equal(2, Scores(first).Count(s => s.Item2 == 5));
    }

    [Theory]
    [InlineData("repeat: 0", "run.repeat: must be a whole number from 1 to 1000, not '0'")]
    [InlineData("repeat: -2", "run.repeat: must be a whole number from 1 to 1000, not '-2'")]
    [InlineData("repeat: 1001", "run.repeat: must be a whole number from 1 to 1000, not '1001'")]
    [InlineData("repeat: 3\n  min_passes: 4", "run.min_passes: must be from 1 to run.repeat (3), not 4")]
    [InlineData("repeat: 3\n  min_passes: 0", "run.min_passes: must be a whole number from 1 to any, not '0'")]
    [InlineData("min_passes: 2", "run.min_passes: must be from 1 to run.repeat (1), not 2")]
    public void Bad_repeat_and_min_passes_are_refused_with_their_file_and_line(string run, string message)
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"x\"}\n");
        var path = dir.File("suite.eval.yaml", $"dataset: cases.jsonl\nmodels: [{{provider: command, command: [echo]}}]\nevaluators: [{{type: length}}]\nrun:\n  {run}\n");
        var line = run.Contains("min_passes", StringComparison.Ordinal) ? (run.StartsWith("min_passes", StringComparison.Ordinal) ? 5 : 6) : 5;

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.StartsWith($"{path}:{line}:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Every_row_of_a_repeated_run_has_its_trial_and_a_run_without_repeat_writes_none()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"x\"}\n{\"id\": \"b\", \"input\": \"y\"}\n");
        var yaml = $"dataset: cases.jsonl\nmodels: [{{provider: openai, model: bot, base_url: \"{server.BaseUrl}\"}}]\nevaluators: [{{type: length}}]\n";

        var (_, repeated) = await SuiteRun.RunAsync(dir, yaml + "run: {repeat: 2}\n", TestContext.Current.CancellationToken);
        var (_, once) = await SuiteRun.RunAsync(dir, yaml, TestContext.Current.CancellationToken);

        Assert.Equal([("a", 1), ("a", 2), ("b", 1), ("b", 2)], repeated
            .Select(r => (r.GetProperty("datapoint_id").GetString(), r.TryGetProperty("trial", out var trial) ? trial.GetInt32() : 0))
            .Order());
        Assert.All(once, row => Assert.False(row.TryGetProperty("trial", out _)));
    }

    [Fact(Timeout = 120000)]
    public async Task The_request_s_repeat_overrides_the_suite_s()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"x\"}\n{\"id\": \"b\", \"input\": \"y\"}\n");
        var yaml = $"dataset: cases.jsonl\nmodels: [{{provider: openai, model: bot, base_url: \"{server.BaseUrl}\"}}]\nevaluators: [{{type: length}}]\nrun: {{repeat: 5, min_passes: 4}}\n";

        var (result, rows) = await SuiteRun.RunAsync(dir, yaml, TestSettings.With(), new RunRequest { OutputDirectory = string.Empty, Repeat = 2 }, TestContext.Current.CancellationToken);

        Assert.Equal(4, rows.Count);
        Assert.Equal(4, server.RequestCount);
        Assert.Equal((2, 2), (result.Datapoints!.Repeat, result.Datapoints.MinPasses));
        Assert.Equal(Verdict.Pass, result.Verdict);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SuiteRun.RunAsync(dir, yaml, TestSettings.With(), new RunRequest { OutputDirectory = string.Empty, Repeat = 0 }, TestContext.Current.CancellationToken));
    }

    [Fact(Timeout = 120000)]
    public async Task Resuming_a_killed_repeated_run_runs_only_its_missing_trials()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", string.Join('\n', Enumerable.Range(0, 4).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"q{i}\"}}")));
        var yaml = $"dataset: cases.jsonl\nmodels: [{{name: bot, provider: openai, model: bot, base_url: \"{server.BaseUrl}\"}}]\nevaluators: [{{type: length}}]\nrun: {{repeat: 3, concurrency: 2}}\n";
        var whole = await SuiteRun.RunAsync(dir, yaml, TestContext.Current.CancellationToken);
        Assert.Equal(12, whole.Rows.Count);

        // As a killed run leaves it: five whole rows, a cut line, and the journal of a trial sent whose row never came.
        var results = Path.Combine(whole.Directory, "results.jsonl");
        var lines = File.ReadAllLines(results);
        var kept = lines[..5].Select(l => JsonDocument.Parse(l).RootElement).Select(r => (r.GetProperty("datapoint_id").GetString(), r.TryGetProperty("trial", out var t) ? t.GetInt32() : 1)).ToHashSet();
        var lost = lines[5..].Select(l => JsonDocument.Parse(l).RootElement).First(r => r.TryGetProperty("trial", out _));
        File.WriteAllText(results, string.Join('\n', lines[..5]) + "\n" + lines[5][..20]);
        File.WriteAllText(Path.Combine(whole.Directory, "inflight.jsonl"), $"{{\"datapoint_id\":\"{lost.GetProperty("datapoint_id").GetString()}\",\"model_config\":\"bot\",\"trial\":{lost.GetProperty("trial").GetInt32()}}}\n");
        var before = server.RequestCount;

        var resumed = await SuiteRun.RunAsync(dir, yaml, TestSettings.With(), new RunRequest { OutputDirectory = whole.Directory, Resume = true }, TestContext.Current.CancellationToken);

        Assert.Equal(7, server.RequestCount - before);
        Assert.Equal(12, resumed.Rows.Count);
        var identities = resumed.Rows.Select(r => (r.GetProperty("datapoint_id").GetString(), r.TryGetProperty("trial", out var t) ? t.GetInt32() : 1)).ToList();
        Assert.Equal(12, identities.Distinct().Count());
        Assert.Equal(kept, identities.Take(5).ToHashSet());
        Assert.Equal(1, resumed.Result.Repaid);
        Assert.Equal(4, resumed.Result.Datapoints!.Passed);
    }
}
