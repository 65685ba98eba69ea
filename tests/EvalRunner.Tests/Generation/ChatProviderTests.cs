using System.Text.Json;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Generation;

/// <summary>The Azure OpenAI and Ollama providers, each through its real client against the test server.</summary>
public sealed class ChatProviderTests
{
    private static async Task<(RunResult Result, JsonElement Row)> RunAsync(string models, Settings settings)
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"ping\"}\n");
        var path = dir.File("s.eval.yaml", $"dataset: cases.jsonl\n{models}\nevaluators:\n  - type: contains\n    value: ping\n");
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
}
