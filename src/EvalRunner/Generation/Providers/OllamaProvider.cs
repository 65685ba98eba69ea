using System.ClientModel;
using Microsoft.Extensions.AI;
using OllamaSharp;

namespace EvalRunner.Generation.Providers;

/// <summary><c>provider: ollama</c> — an Ollama server (<c>http://localhost:11434</c> unless <c>base_url</c> says otherwise).</summary>
internal sealed class OllamaProvider : ChatProviderKind
{
    private static readonly Uri DefaultUrl = new("http://localhost:11434");

    public override string Name => "ollama";

    protected override string Title => "Ollama";

    protected override IChatClient CreateClient(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup) =>
        new OllamaApiClient(config.BaseUrl ?? DefaultUrl, model);

    protected override IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddings(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup) =>
        new OllamaApiClient(config.BaseUrl ?? DefaultUrl, model);
}
