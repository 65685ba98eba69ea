using System.Text.Json;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Generation;

/// <summary>The Azure OpenAI and Ollama providers, each through its real client against the test server.</summary>
public sealed class ChatProviderTests
{
    private static async Task<(RunResult Result, JsonElement Row)> RunAsync(string models, Settings settings, string run = "")
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"ping\"}\n");
        var path = dir.File("s.eval.yaml", $"dataset: cases.jsonl\n{models}\nevaluators:\n  - type: contains\n    value: ping\n{run}");
        var (result, rows) = await SuiteRun.RunAsync(path, settings, TestContext.Current.CancellationToken);
        return (result, rows[0]);
    }

    [Fact(Timeout = 120000)]
    public async Task The_azure_openai_provider_calls_the_deployment_with_the_api_key_header()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var settings = new Settings(new Dictionary<string, string> { ["AZURE_OPENAI_API_KEY"] = "azure-key-123" });

        var (result, row) = await RunAsync($"models:\n  - provider: azure-openai\n    model: my-deployment\n    base_url: {server.RootUrl}\n", settings);

        Assert.True(result.Verdict == Verdict.Pass, row.ToString());
        var request = Assert.Single(server.Requests);
        Assert.StartsWith("/openai/deployments/my-deployment/chat/completions", request.Path, StringComparison.Ordinal);
        Assert.Equal("azure-key-123", request.Authorization);
        Assert.Equal("You said: ping", row.GetProperty("log").GetProperty("generated_response").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task The_ollama_provider_calls_the_chat_endpoint_and_records_token_counts()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var settings = new Settings(new Dictionary<string, string>());

        var (result, row) = await RunAsync($"models:\n  - provider: ollama\n    model: llama3.2\n    base_url: {server.RootUrl}\n", settings);

        Assert.True(result.Verdict == Verdict.Pass, row.ToString());
        var request = Assert.Single(server.Requests);
        Assert.Equal("/api/chat", request.Path);
        Assert.Equal("llama3.2", request.Model);
        Assert.Equal("You said: ping", row.GetProperty("log").GetProperty("generated_response").GetString());
        Assert.Equal(1, row.GetProperty("log").GetProperty("input_tokens").GetInt64());
        Assert.Equal(3, row.GetProperty("log").GetProperty("output_tokens").GetInt64());
    }

    [Fact(Timeout = 120000)]
    public async Task An_ollama_429_is_a_rate_limit_sent_again_after_the_wait_it_asks_for()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(2, 429, "{\"error\":\"too many requests\"}", ("Retry-After", "0"));

        var (result, row) = await RunAsync($"models:\n  - provider: ollama\n    model: llama3.2\n    base_url: {server.RootUrl}\n", new Settings(new Dictionary<string, string>()));

        Assert.True(result.Verdict == Verdict.Pass, row.ToString());
        Assert.Equal(3, server.RequestCount);
        Assert.Equal(2, result.Retries!.RateLimit);
    }

    [Fact(Timeout = 120000)]
    public async Task An_ollama_429_storm_ends_as_a_rate_limit_row_not_a_generation_error()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(100, 429, "{\"error\":\"too many requests\"}", ("Retry-After", "0"));

        var (result, row) = await RunAsync(
            $"models:\n  - provider: ollama\n    model: llama3.2\n    base_url: {server.RootUrl}\n", new Settings(new Dictionary<string, string>()), "run:\n  retries: 1\n");

        // A rate-limited request is sent at least 10 more times, whatever run.retries says.
        Assert.Equal(11, server.RequestCount);
        var error = row.GetProperty("error");
        Assert.Equal("rate_limit", error.Kind());
        Assert.Contains("rate limited: the provider answered 429 on 11 tries", error.Message(), StringComparison.Ordinal);
        Assert.Equal(10, result.Retries!.RateLimit);
    }

    [Fact(Timeout = 120000)]
    public async Task The_ollama_provider_sends_a_server_error_again_as_often_as_run_retries_says()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(3, 500, "{\"error\":\"model runner crashed\"}");
        var models = $"models:\n  - provider: ollama\n    model: llama3.2\n    base_url: {server.RootUrl}\n";
        var settings = new Settings(new Dictionary<string, string>());

        var (failed, row) = await RunAsync(models, settings, "run:\n  retries: 2\n");
        var (passed, _) = await RunAsync(models, settings, "run:\n  retries: 2\n");

        Assert.Contains("the provider answered 500: model runner crashed (after 3 tries)", row.GetProperty("error").Message(), StringComparison.Ordinal);
        Assert.Equal("server_error", row.GetProperty("error").Kind());
        Assert.Equal(2, failed.Retries!.ServerError);
        Assert.True(passed.Verdict == Verdict.Pass, passed.Reason);
        Assert.Equal(4, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task The_ollama_provider_gives_up_on_a_request_after_run_request_timeout_and_sends_it_again()
    {
        // The request timeout runs on the run's clock: the hung request ends when the test advances it.
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.HangNext(1);
        var time = new FakeTimeProvider();
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"ping\"}\n");
        var path = dir.File(
            "s.eval.yaml",
            $"dataset: cases.jsonl\nmodels:\n  - provider: ollama\n    model: llama3.2\n    base_url: {server.RootUrl}\nevaluators:\n  - type: contains\n    value: ping\nrun:\n  request_timeout: 10s\n  timeout: 10m\n  retries: 1\n");

        var running = SuiteRun.RunAsync(path, new Settings(new Dictionary<string, string>()), new SuiteRunOptions { TimeProvider = time }, TestContext.Current.CancellationToken);
        await server.WaitForHangingRequestAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(10));
        var (result, rows) = await running;

        Assert.True(result.Verdict == Verdict.Pass, rows[0].ToString());
        Assert.Equal(2, server.RequestCount);
        Assert.Equal(1, result.Retries!.Timeout);
    }
}
