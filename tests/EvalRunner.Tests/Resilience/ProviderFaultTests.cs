using System.Security.Cryptography;
using System.Text;
using EvalRunner.Caching;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Resilience;

/// <summary>Provider answers that no retry fixes, long waits, unusable 200s, incomplete answers and oversized output.</summary>
public sealed class ProviderFaultTests
{
    private static string Dataset(int count) => string.Join('\n', Enumerable.Range(0, count).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"question {i}\",\"expected\":\"question {i}\"}}"));

    private static string Suite(FakeOpenAIServer server, string run = "", string thresholds = "  - contains.passed == true\n") => $$"""
        dataset: cases.jsonl
        models:
          - name: gpt
            provider: openai
            model: gpt-4o-mini
            base_url: {{server.BaseUrl}}
            api_key: sk-fault-secret-31
        evaluators:
          - type: contains
        thresholds:
        {{thresholds}}
        run:
        {{run}}
        """;

    private static Task<SuiteRun> RunAsync(TempDirectory dir, string yaml, RunRequest? request = null) =>
        SuiteRun.RunAsync(dir, yaml, TestSettings.With(), request, TestContext.Current.CancellationToken);

    [Fact(Timeout = 120000)]
    public async Task A_quota_429_is_not_retried_and_a_run_where_every_row_hits_it_stops_early_with_that_cause()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1000, 429, FakeOpenAIServer.QuotaBody, ("Retry-After", "1"));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(60));

        var (result, rows) = await RunAsync(dir, Suite(server, "  concurrency: 2\n"));

        // One request per row that ran (and at most one per slot that was cut short by the stop): nothing was retried,
        // and the run stopped after a few rows, not 60.
        Assert.InRange(server.RequestCount, rows.Count, rows.Count + 2);
        Assert.InRange(rows.Count, RunSession.StopAfter, RunSession.StopAfter + 2);
        Assert.Equal(60 - rows.Count, result.NotRun);
        Assert.Equal(Verdict.Error, result.Verdict);
        Assert.Equal(VerdictReasonKind.Stopped, Assert.Single(result.Reasons).Kind);
        Assert.Contains("no quota left", result.Reason, StringComparison.Ordinal);
        Assert.Contains($"{60 - rows.Count} rows were not run", result.Reason, StringComparison.Ordinal);
        Assert.Equal(0, result.Retries!.Total);
        var error = rows[0].GetProperty("error");
        Assert.Equal("quota", error.Kind());
        Assert.Contains("429 insufficient_quota: You exceeded your current quota", error.Message(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-fault-secret-31", File.ReadAllText(Path.Combine(result.OutputDirectory, "results.jsonl")), StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [InlineData(400, "context_length_exceeded", "longer than the model's context", "context_length")]
    [InlineData(400, "invalid_value", "the provider rejected the request", "bad_request")]
    [InlineData(401, "invalid_api_key", "the API key was refused", "auth")]
    [InlineData(403, "unsupported_country_region_territory", "may not use this model", "auth")]
    [InlineData(404, "model_not_found", "does not exist", "bad_request")]
    public async Task A_client_error_is_sent_once_and_said_in_words_with_the_providers_code(int status, string code, string words, string kind)
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1, status, $"{{\"error\":{{\"message\":\"no good, key sk-fault-secret-31\",\"code\":\"{code}\"}}}}");
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(2));

        var (result, rows) = await RunAsync(dir, Suite(server, "  concurrency: 1\n"));

        Assert.Equal(2, server.RequestCount);
        Assert.Equal((1, 1), (result.Passed, result.Errors));
        var error = rows.Row("d0").GetProperty("error");
        Assert.Equal(kind, error.Kind());
        var message = error.Message();
        Assert.Contains(words, message, StringComparison.Ordinal);
        Assert.Contains($"(not retried): the provider answered {status} {code}: no good, key ***", message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_Retry_After_longer_than_max_retry_wait_fails_fast_with_the_wait_it_asked_for()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1, 429, "{\"error\":{\"message\":\"slow down\"}}", ("Retry-After", "3600"));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(2));

        var (result, rows) = await RunAsync(dir, Suite(server, "  concurrency: 1\n  timeout: 600s\n  max_retry_wait: 30s\n"));

        Assert.Equal(2, server.RequestCount);
        var error = rows.Row("d0").GetProperty("error");
        Assert.Equal("rate_limit", error.Kind());
        Assert.Contains("rate limited; the provider asked to wait 3600 s, more than run.max_retry_wait (30 s)", error.Message(), StringComparison.Ordinal);
        Assert.Equal(1, result.Passed);
    }

    [Fact(Timeout = 120000)]
    public async Task Retry_after_ms_is_honoured_before_Retry_After()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(2, 429, "{\"error\":{\"message\":\"slow down\"}}", ("Retry-After", "3600"), ("retry-after-ms", "1"));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(1));

        var (result, _) = await RunAsync(dir, Suite(server, "  concurrency: 1\n"));

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(2, result.Retries!.RateLimit);
    }

    [Fact(Timeout = 120000)]
    public async Task Unusable_200_answers_are_retried_and_when_they_persist_the_error_says_what_was_wrong()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.AnswerNext(1, "{\"error\":{\"message\":\"upstream overloaded\",\"code\":\"server_busy\"}}");
        server.AnswerNext(1, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}");
        server.AnswerNext(1, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\"}]}");
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(1));

        var (first, _) = await RunAsync(dir, Suite(server, "  concurrency: 1\n  retries: 3\n"));

        Assert.True(first.Verdict == Verdict.Pass, first.Reason);
        Assert.Equal(3, first.Retries!.Unusable);

        server.AnswerNext(2, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}");
        var (second, rows) = await RunAsync(dir, Suite(server, "  concurrency: 1\n  retries: 1\n"));

        var message = rows[0].GetProperty("error").Message();
        Assert.Contains("the provider answered 200 with no usable completion: 'choices' is missing or empty (after 2 tries)", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Specified argument", message, StringComparison.Ordinal);
        Assert.Equal("generation", rows[0].GetProperty("error").Kind());
        Assert.Equal(1, second.Retries!.Unusable);
    }

    [Fact(Timeout = 120000)]
    public async Task Truncated_refused_and_filtered_answers_are_a_status_on_the_row_usable_in_thresholds_and_never_cached()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        static string Last(FakeChatRequest request) => request.Messages[^1].Content;
        server.FinishReason = r => Last(r) switch { "question 0" => "length", "question 1" => "content_filter", _ => "stop" };
        server.Refusal = r => Last(r) == "question 2" ? "I can't help with that." : null;
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(4));
        var cacheDir = Path.Combine(dir.Path, "cache");
        var yaml = Suite(server, "  concurrency: 1\n", "  - rate(log.truncated) <= 0.01\n");

        var (result, rows) = await RunAsync(dir, yaml, new RunRequest { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, CacheMode.ReadWrite) });

        Assert.Equal("truncated", rows.Row("d0").GetProperty("log").GetProperty("status").GetString());
        Assert.Equal("filtered", rows.Row("d1").GetProperty("log").GetProperty("status").GetString());
        Assert.Equal("refused", rows.Row("d2").GetProperty("log").GetProperty("status").GetString());
        Assert.Equal("I can't help with that.", rows.Row("d2").GetProperty("log").GetProperty("generated_response").GetString());
        Assert.False(rows.Row("d3").GetProperty("log").TryGetProperty("status", out _));
        var aggregate = Assert.Single(result.Aggregates);
        Assert.Equal(0.25, aggregate.Value);
        Assert.False(aggregate.Passed);

        // Only the complete answer was stored: a second run asks again for the three others.
        Assert.Equal(1, new FileResponseCache(cacheDir, CacheMode.ReadOnly).Count);
        var before = server.RequestCount;
        var (again, againRows) = await RunAsync(dir, yaml, new RunRequest { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, CacheMode.ReadWrite) });
        Assert.Equal(before + 3, server.RequestCount);
        Assert.Equal("truncated", againRows.Row("d0").GetProperty("log").GetProperty("status").GetString());
        Assert.True(againRows.Row("d3").GetProperty("log").GetProperty("cache_hit").GetBoolean());
        Assert.Equal(Verdict.Fail, again.Verdict);
    }

    [Fact(Timeout = 240000)]
    public async Task When_the_provider_admits_fewer_calls_than_the_concurrency_the_limiter_settles_near_it_and_no_row_errors()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.MaxInFlight = 8;
        server.RecordRequests = false;

        // Requests overlap for a while (the server's own latency); 429s ask for no wait (retry-after-ms: 0).
        server.Latency = TimeSpan.FromMilliseconds(20);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(300));

        var (result, rows) = await RunAsync(dir, Suite(server, "  concurrency: 64\n  timeout: 200s\n"));

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Equal(300, rows.Count);
        Assert.Equal(0, result.Errors);
        Assert.True(server.OverLimit > 0);
        Assert.True(result.Retries!.RateLimit > 0);
        Assert.Equal(server.OverLimit, result.Retries!.RateLimit);
        Assert.Equal(64, result.Concurrency!.Configured);
        Assert.InRange(result.Concurrency.Effective, 1, 12);
        var runJson = File.ReadAllText(Path.Combine(result.OutputDirectory, "run.json"));
        Assert.Contains("\"effective\"", runJson, StringComparison.Ordinal);
        Assert.Contains("\"rate_limit\"", runJson, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_program_that_prints_50_MB_is_cut_to_max_output_bytes_with_the_hash_of_the_whole()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"big\",\"input\":\"hi\"}\n");
        dir.File("bot.py", "import sys\nchunk = 'x' * 1_000_000\nfor _ in range(50):\n    sys.stdout.write(chunk)\n");
        var yaml = """
            dataset: cases.jsonl
            models:
              - {name: bot, provider: command, command: [python3, bot.py]}
            evaluators:
              - type: length
            thresholds:
              - rate(log.truncated_output) <= 0
            run:
              max_output_bytes: 65536
            """;

        var (result, rows) = await SuiteRun.RunAsync(dir, yaml, TestContext.Current.CancellationToken);

        var log = rows[0].GetProperty("log");
        Assert.True(log.GetProperty("truncated_output").GetBoolean());
        Assert.Equal(65536, log.GetProperty("generated_response").GetString()!.Length);
        var whole = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(new string('x', 50_000_000))));
        Assert.Equal(whole, log.GetProperty("output_sha256").GetString());
        Assert.Equal(Verdict.Fail, result.Verdict);
    }
}
