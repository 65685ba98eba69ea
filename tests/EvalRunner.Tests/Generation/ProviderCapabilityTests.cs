using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Generation;

/// <summary>A provider used for what it cannot do (embeddings from a chat-only provider) is a validate error with file and line.</summary>
public sealed class ProviderCapabilityTests
{
    private const string Bot = "import json,sys\nprint('Answer: ' + json.load(sys.stdin)['input'])\n";

    [Theory(Timeout = 120000)]
    [InlineData("{provider: anthropic, model: claude-sonnet-4-5, api_key: k}", "anthropic")]
    [InlineData("{provider: command, model: m}", "command")]
    [InlineData("{provider: http, model: m}", "http")]
    public async Task An_embedding_model_on_a_provider_without_embeddings_is_a_validate_error_with_its_line(string model, string provider)
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"q\",\"expected\":\"q\"}\n");
        dir.File(
            "s.eval.yaml",
            $"dataset: cases.jsonl\nmodels:\n  - provider: command\n    command: [python3, bot.py]\nevaluators:\n  - type: embedding-similarity\n    model: {model}\nthresholds:\n  - mean(embedding-similarity.cosine) >= 0.5\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "s.eval.yaml"], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("s.eval.yaml:7:", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(
            $"evaluators[0].model.provider: provider '{provider}' has no embeddings; an embedding model needs one of azure-openai, ollama, openai",
            result.StandardError,
            StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_judge_on_a_provider_without_a_chat_client_is_a_validate_error_and_anthropic_may_judge()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        dir.File("bad.eval.yaml", "dataset: cases.jsonl\njudge: {provider: command, model: m}\nmodels:\n  - provider: command\n    command: [python3, bot.py]\nevaluators:\n  - type: length\n");
        dir.File("good.eval.yaml", "dataset: cases.jsonl\njudge: {provider: anthropic, model: claude-sonnet-4-5, api_key: k}\nmodels:\n  - provider: command\n    command: [python3, bot.py]\nevaluators:\n  - type: length\n");

        var bad = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "bad.eval.yaml"], TestContext.Current.CancellationToken);
        var good = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "good.eval.yaml"], TestContext.Current.CancellationToken);

        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("bad.eval.yaml:2:", bad.StandardError, StringComparison.Ordinal);
        Assert.Contains("judge.provider: provider 'command' has no chat client; a judge needs one of anthropic, azure-openai, ollama, openai", bad.StandardError, StringComparison.Ordinal);
        Assert.True(good.ExitCode == 0, good.StandardError);
    }
}
