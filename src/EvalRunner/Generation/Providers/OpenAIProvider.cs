using System.ClientModel;
using EvalRunner.Yaml;
using Microsoft.Extensions.AI;
using OpenAI;

namespace EvalRunner.Generation.Providers;

/// <summary><c>provider: openai</c> — OpenAI, or any OpenAI-compatible endpoint given by <c>base_url</c>.</summary>
internal sealed class OpenAIProvider : ChatProviderKind
{
    public override string Name => "openai";

    protected override string Title => "OpenAI";

    protected override string? KeyVariable => "OPENAI_API_KEY";

    protected override void Validate(YamlMap model, Uri? baseUrl, string? apiKey)
    {
        // A custom base URL is usually a local OpenAI-compatible server that needs no key.
        if (apiKey is null && baseUrl is null)
        {
            throw NoApiKey(model);
        }
    }

    protected override IChatClient CreateClient(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup) =>
        new OpenAI.Chat.ChatClient(model, key, new OpenAIClientOptions
        {
            Endpoint = config.BaseUrl,
            RetryPolicy = new ProviderRetryPolicy(setup, Classify),
            NetworkTimeout = setup.RequestTimeout,
        }).AsIChatClient();

    protected override IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddings(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup) =>
        new OpenAI.Embeddings.EmbeddingClient(model, key, new OpenAIClientOptions
        {
            Endpoint = config.BaseUrl,
            RetryPolicy = new ProviderRetryPolicy(setup, Classify),
            NetworkTimeout = setup.RequestTimeout,
        }).AsIEmbeddingGenerator();
}
