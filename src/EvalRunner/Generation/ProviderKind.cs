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

    /// <summary>The names of the LLM providers (those with a chat client), which judges need.</summary>
    public static IReadOnlyList<string> LlmNames => NamesWith(ProviderCapabilities.Chat);

    /// <summary>The names of the providers that can do all of <paramref name="needed"/>.</summary>
    public static IReadOnlyList<string> NamesWith(ProviderCapabilities needed) => [.. All.Where(p => p.Can(needed)).Select(p => p.Name)];

    /// <summary>The provider's name in suites and in <c>run.json</c>, for example <c>azure-openai</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The YAML keys this provider reads besides the ones every model config has.</summary>
    public virtual string[] Keys => [];

    /// <summary>What the provider's clients can do: a chat client (judges), an embedding generator (<c>embedding-similarity</c>).</summary>
    public virtual ProviderCapabilities Capabilities => ProviderCapabilities.None;

    /// <summary>True for a provider with a chat client (an LLM): it is priced, and it can be a judge.</summary>
    public bool IsLlm => Can(ProviderCapabilities.Chat);

    /// <summary>True when the provider can do all of <paramref name="needed"/>.</summary>
    public bool Can(ProviderCapabilities needed) => (Capabilities & needed) == needed;

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

    /// <summary>
    /// The one place a provider says what its client's failures mean: a rate limit (with the wait it asks for), no
    /// quota, a refused key, a bad request, a prompt over the context length, a server error or a timeout. The run's
    /// retries (<see cref="RetryBudget"/>) act on the answer, whichever SDK the provider is built on. Null when the
    /// failure is none of these (it is then not sent again, and the row's error says what it was). This default reads
    /// the HTTP answer when the run saw it, System.ClientModel's and HttpClient's status errors, timeouts and dropped
    /// connections; a provider whose SDK throws its own exceptions overrides it.
    /// </summary>
    public virtual ProviderError? Classify(ProviderFailure failure)
    {
        if (failure.Answer is { } answer)
        {
            return ProviderError.From(answer);
        }

        return failure.Exception switch
        {
            System.ClientModel.ClientResultException { Status: > 0 } status when status.GetRawResponse() is { } response =>
                ProviderError.From(HttpAnswer.From(response, failure.Time)),
            System.ClientModel.ClientResultException { InnerException: { } inner } => Classify(failure with { Exception = inner }),
            HttpRequestException { StatusCode: { } code } http => ProviderError.FromStatus((int)code, null, http.Message),
            TimeoutException or OperationCanceledException => new ProviderError { Kind = FaultKind.Timeout, Detail = failure.Exception.Message },
            HttpRequestException or IOException or System.Net.Sockets.SocketException => new ProviderError { Kind = FaultKind.ServerError, Detail = failure.Exception.Message },
            _ => null,
        };
    }

    /// <summary>The Microsoft.Extensions.AI embedding generator of an LLM provider.</summary>
    public virtual IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(ModelConfig config, ClientSetup setup) =>
        throw new InvalidOperationException($"provider {Name} has no embeddings");
}
