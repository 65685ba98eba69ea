using System.ClientModel;
using EvalRunner.Caching;
using EvalRunner.Generation;
using EvalRunner.Yaml;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation.Providers;

/// <summary>What the LLM providers share: a model, a base URL and an API key, and generation through a chat client.</summary>
internal abstract class ChatProviderKind : ProviderKind
{
    public override ProviderCapabilities Capabilities => ProviderCapabilities.Chat | ProviderCapabilities.Embeddings;

    /// <summary>Names the provider in endpoint errors and in cache keys (unchanged, so that existing caches still answer).</summary>
    protected abstract string Title { get; }

    /// <summary>What <c>model:</c> is, for the "required" message.</summary>
    protected virtual string ModelHint => "the model name, for example gpt-4o-mini";

    /// <summary>The environment variable the API key comes from when the suite gives none; null for none.</summary>
    protected virtual string? KeyVariable => null;

    public override ModelConfig Read(YamlMap model, SuiteReadContext context)
    {
        var name = model.RequireString("model", ModelHint, Secrecy.NotSecret);
        var baseUrl = SpecReader.ReadUrl(model, "base_url");
        var apiKey = model.String("api_key", Secrecy.Secret) ?? (KeyVariable is null ? null : model.Settings.GetSecret(KeyVariable));
        Validate(model, baseUrl, apiKey);
        return new ModelConfig { Name = model.String("name") ?? name, Provider = Name, Model = name, BaseUrl = baseUrl, ApiKey = apiKey };
    }

    /// <summary>Rejects a model config the provider cannot call (no endpoint, no key).</summary>
    protected virtual void Validate(YamlMap model, Uri? baseUrl, string? apiKey)
    {
    }

    protected SuiteException NoApiKey(YamlMap model) =>
        new(model.Here with { Field = model.Join("api_key") }, $"no API key: set {KeyVariable} or write api_key: ${{{KeyVariable}}}");

    public override Generator CreateGenerator(ModelConfig config, RunServices services) =>
        new ChatClientGenerator(config, services.Settings, CreateChatClient(config, services.Setup), Title, services.Setup.Cache, McpToolbox.For(config, services));

    public override IChatClient CreateChatClient(ModelConfig config, ClientSetup setup)
    {
        var model = config.Model ?? throw new InvalidOperationException($"model config '{config.Name}' has no model");
        var client = CreateClient(config, model, new ApiKeyCredential(config.ApiKey ?? "no-key"), setup);
        return setup.Cache is { Mode: not CacheMode.Off } cache
            ? new CachedChatClient(client, cache, [Title, config.BaseUrl?.Authority ?? "default", model, .. AgentTool.CacheKeyValues(config)])
            : client;
    }

    public override IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(ModelConfig config, ClientSetup setup)
    {
        var model = config.Model ?? throw new InvalidOperationException($"model config '{config.Name}' has no model");
        return CreateEmbeddings(config, model, new ApiKeyCredential(config.ApiKey ?? "no-key"), setup);
    }

    /// <summary>
    /// A client of an SDK that does not retry itself (its own retries off) with the run's retries and request timeout,
    /// its failures classified by <see cref="ProviderKind.Classify"/>; <paramref name="owned"/> is disposed with it.
    /// </summary>
    protected IChatClient WithRunRetries(IChatClient client, ClientSetup setup, IDisposable? owned = null) =>
        new RetryingChatClient(client, new ProviderCalls(Classify, setup), owned);

    /// <summary>An embedding generator with the run's retries and request timeout, as <see cref="WithRunRetries(IChatClient, ClientSetup, IDisposable?)"/>.</summary>
    protected IEmbeddingGenerator<string, Embedding<float>> WithRunRetries(IEmbeddingGenerator<string, Embedding<float>> generator, ClientSetup setup, IDisposable? owned = null) =>
        new RetryingEmbeddingGenerator(generator, new ProviderCalls(Classify, setup), owned);

    protected abstract IChatClient CreateClient(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup);

    protected abstract IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddings(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup);
}
