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

    // OllamaSharp does not retry and its errors carry no headers: the run's retries and request timeout wrap it, and
    // its HTTP client keeps each failed answer so that Classify sees the status and the wait a 429 asks for.
    protected override IChatClient CreateClient(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup)
    {
        var http = AnswerRecorder.CreateClient(setup.Time, config.BaseUrl ?? DefaultUrl);
        return WithRunRetries((IChatClient)new OllamaApiClient(http, model), setup, http);
    }

    protected override IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddings(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup)
    {
        var http = AnswerRecorder.CreateClient(setup.Time, config.BaseUrl ?? DefaultUrl);
        return WithRunRetries((IEmbeddingGenerator<string, Embedding<float>>)new OllamaApiClient(http, model), setup, http);
    }
}
