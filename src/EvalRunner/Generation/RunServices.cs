using EvalRunner.Generation;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation;

/// <summary>What a run gives the parts it builds: settings, clock, HTTP, client behaviour and prices.</summary>
internal sealed class RunServices
{
    public required Settings Settings { get; init; }

    public required TimeProvider Time { get; init; }

    /// <summary>The run's HTTP client; owned by the run.</summary>
    public required HttpClient Http { get; init; }

    /// <summary>Retries, request timeout, rate-limit callback and cache of the run's LLM clients.</summary>
    public required ClientSetup Setup { get; init; }

    public required PriceTable Prices { get; init; }

    /// <summary>A chat client for an LLM model config, with the run's <see cref="Setup"/>.</summary>
    public IChatClient CreateChatClient(ModelConfig config) => ProviderKind.For(config).CreateChatClient(config, Setup);

    /// <summary>An embedding generator for an LLM model config, with the run's retries and request timeout.</summary>
    public IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(ModelConfig config) => ProviderKind.For(config).CreateEmbeddingGenerator(config, Setup);

    /// <summary>The most bytes of one generated response kept (<c>run.max_output_bytes</c>).</summary>
    public int MaxOutputBytes { get; init; } = 1 << 20;

    /// <summary>The generator of a model config.</summary>
    public Generator CreateGenerator(ModelConfig config)
    {
        var generator = ProviderKind.For(config).CreateGenerator(config, this);
        generator.MaxOutputBytes = MaxOutputBytes;
        return generator;
    }
}
