using System.Text.Json;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Generation;

/// <summary>The anthropic provider through Anthropic's own SDK against the test server's Messages API route.</summary>
public sealed class AnthropicProviderTests
{
    private const string Key = "sk-ant-api03-fake-secret-4711";

    private static string Dataset(int count) => string.Join('\n', Enumerable.Range(0, count).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"ping {i}\"}}"));

    private static string Suite(FakeOpenAIServer server, string run = "") => $$"""
        dataset: cases.jsonl
        models:
          - name: claude
            provider: anthropic
            model: claude-sonnet-4-5
            base_url: {{server.RootUrl}}
            api_key: ${ANTHROPIC_API_KEY}
            system_prompt: Answer briefly.
            max_tokens: 200
        evaluators:
          - type: contains
            value: ping
        run:
          concurrency: 1
        {{run}}
        """;

    private static Task<SuiteRun> RunAsync(TempDirectory dir, string yaml) =>
        SuiteRun.RunAsync(dir, yaml, TestSettings.With(("ANTHROPIC_API_KEY", Key)), null, TestContext.Current.CancellationToken);

    private static void AssertNoKeyIn(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(Key, File.ReadAllText(file), StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task A_run_on_anthropic_gets_answers_with_token_counts_and_the_key_is_sent_but_never_written()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(2));

        var (result, rows) = await RunAsync(dir, Suite(server));

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Equal(2, server.RequestCount);
        var request = server.Requests[0];
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal("claude-sonnet-4-5", request.Model);
        Assert.Equal(Key, request.Authorization);
        Assert.Equal(200, request.MaxTokens);
        Assert.Equal(("system", "Answer briefly."), (request.Messages[0].Role, request.Messages[0].Content));
        var log = rows.Row("d0").GetProperty("log");
        Assert.Equal("You said: ping 0", log.GetProperty("generated_response").GetString());
        Assert.Equal(4, log.GetProperty("input_tokens").GetInt64());
        Assert.Equal(4, log.GetProperty("output_tokens").GetInt64());
        Assert.Equal("anthropic", JsonDocument.Parse(File.ReadAllText(Path.Combine(result.OutputDirectory, "run.json"))).RootElement.GetProperty("models")[0].GetProperty("provider").GetString());
        AssertNoKeyIn(dir.Path);
    }

    [Fact(Timeout = 120000)]
    public async Task A_429_storm_is_a_rate_limit_retried_by_the_run_alone_after_the_wait_it_asks_for()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var limited = FakeOpenAIServer.AnthropicError("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit");
        server.FailNext(2, 429, limited, ("retry-after", "0"));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(1));

        var (passed, _) = await RunAsync(dir, Suite(server));

        Assert.True(passed.Verdict == Verdict.Pass, passed.Reason);
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(2, passed.Retries!.RateLimit);

        server.FailNext(100, 429, limited, ("retry-after", "0"));
        var (failed, rows) = await RunAsync(dir, Suite(server, "  retries: 1\n"));

        // One request and the run's 10 retries: the SDK sends nothing again on its own.
        Assert.Equal(3 + 11, server.RequestCount);
        var error = rows[0].GetProperty("error");
        Assert.Equal("rate_limit", error.Kind());
        Assert.Contains("rate limited: the provider answered 429 on 11 tries: 429 rate_limit_error: Number of request tokens", error.Message(), StringComparison.Ordinal);
        Assert.Equal(10, failed.Retries!.RateLimit);
        AssertNoKeyIn(dir.Path);
    }

    [Fact(Timeout = 120000)]
    public async Task A_rate_limit_wait_longer_than_max_retry_wait_fails_at_once_with_the_wait_it_asked_for()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1, 429, FakeOpenAIServer.AnthropicError("rate_limit_error", "slow down"), ("retry-after", "3600"));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(1));

        var (_, rows) = await RunAsync(dir, Suite(server, "  max_retry_wait: 30s\n"));

        Assert.Equal(1, server.RequestCount);
        var error = rows[0].GetProperty("error");
        Assert.Equal("rate_limit", error.Kind());
        Assert.Contains("the provider asked to wait 3600 s, more than run.max_retry_wait (30 s)", error.Message(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_529_overloaded_answer_is_a_server_fault_sent_again()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var overloaded = FakeOpenAIServer.AnthropicError("overloaded_error", "Overloaded");
        server.FailNext(1, 529, overloaded);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(1));

        var (passed, _) = await RunAsync(dir, Suite(server));

        Assert.True(passed.Verdict == Verdict.Pass, passed.Reason);
        Assert.Equal(2, server.RequestCount);
        Assert.Equal(1, passed.Retries!.ServerError);

        server.FailNext(1, 529, overloaded);
        var (_, rows) = await RunAsync(dir, Suite(server, "  retries: 0\n"));

        Assert.Equal(3, server.RequestCount);
        var error = rows[0].GetProperty("error");
        Assert.Equal("server_error", error.Kind());
        Assert.Contains("the provider answered 529 overloaded_error: Overloaded (after 1 tries)", error.Message(), StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [InlineData(400, "invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum", "the prompt is longer than the model's context", "context_length")]
    [InlineData(400, "invalid_request_error", "max_tokens: Field required", "the provider rejected the request", "bad_request")]
    [InlineData(401, "authentication_error", "invalid x-api-key", "the API key was refused", "auth")]
    [InlineData(403, "permission_error", "Your API key does not have permission to use the specified resource.", "the key may not use this model or endpoint", "auth")]
    public async Task A_client_error_is_sent_once_and_said_in_words_with_anthropics_type(int status, string type, string message, string words, string kind)
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1, status, FakeOpenAIServer.AnthropicError(type, message));
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(2));

        var (result, rows) = await RunAsync(dir, Suite(server));

        Assert.Equal(2, server.RequestCount);
        Assert.Equal((1, 1), (result.Passed, result.Errors));
        var error = rows.Row("d0").GetProperty("error");
        Assert.Equal(kind, error.Kind());
        Assert.Contains(words, error.Message(), StringComparison.Ordinal);
        Assert.Contains($"(not retried): the provider answered {status} {type}: {message}", error.Message(), StringComparison.Ordinal);
        AssertNoKeyIn(dir.Path);
    }
}
