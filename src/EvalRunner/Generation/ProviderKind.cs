using EvalRunner.Yaml;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation;

/// <summary>
/// One provider as a part: its name in suites, its YAML keys and reader, its check and the factories a run uses.
/// Every non-abstract subclass in this assembly with a parameterless constructor is a provider.
/// </summary>
internal abstract class ProviderKind
{
    private static readonly Lazy<IReadOnlyList<ProviderKind>> Discovered = new(() => Parts.Discover<ProviderKind>(p => p.Name));

    /// <summary>Every provider, by name.</summary>
    public static IReadOnlyList<ProviderKind> All => Discovered.Value;

    /// <summary>The names a suite may write after <c>provider:</c>.</summary>
    public static IReadOnlyList<string> Names => [.. All.Select(p => p.Name)];

    /// <summary>The names of the LLM providers, which judges and embedding models need.</summary>
    public static IReadOnlyList<string> LlmNames => [.. All.Where(p => p.IsLlm).Select(p => p.Name)];

    /// <summary>The provider's name in suites and in <c>run.json</c>, for example <c>azure-openai</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The YAML keys this provider reads besides the ones every model config has.</summary>
    public virtual string[] Keys => [];

    /// <summary>True for a provider with chat (and embedding) clients: judges and embedding models accept only these.</summary>
    public virtual bool IsLlm => false;

    public static ProviderKind? Find(string name) => All.FirstOrDefault(p => p.Name == name);

    public static ProviderKind For(ModelConfig config) =>
        Find(config.Provider) ?? throw new InvalidOperationException($"model config '{config.Name}' has an unknown provider '{config.Provider}'; use {string.Join(", ", Names)}");

    /// <summary>Reads the provider's part of a model config; the loader adds the keys every model config has.</summary>
    public abstract ModelConfig Read(YamlMap model, SuiteReadContext context);

    /// <summary>The check phase: what needs the file system or a process (a program on PATH); throws <see cref="SuiteException"/>.</summary>
    public virtual Task CheckAsync(ModelConfig config, Settings settings, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The generator of one run.</summary>
    public abstract Generator CreateGenerator(ModelConfig config, RunServices services);

    /// <summary>
    /// The Microsoft.Extensions.AI chat client of an LLM provider: the SDK's retries (backoff with jitter, Retry-After)
    /// and request timeout from <paramref name="setup"/>, behind the response cache when there is one.
    /// </summary>
    public virtual IChatClient CreateChatClient(ModelConfig config, ClientSetup setup) =>
        throw new InvalidOperationException($"provider {Name} is not a chat client");

    /// <summary>The Microsoft.Extensions.AI embedding generator of an LLM provider.</summary>
    public virtual IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(ModelConfig config, ClientSetup setup) =>
        throw new InvalidOperationException($"provider {Name} has no embeddings");
}
