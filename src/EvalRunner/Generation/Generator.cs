using System.ClientModel;
using System.Diagnostics;
using Azure.AI.OpenAI;
using EvalRunner.Caching;
using EvalRunner.Datasets;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;

namespace EvalRunner.Generation;

/// <summary>Produces the <see cref="Log"/> of one datapoint for one model config.</summary>
internal abstract class Generator(ModelConfig config, Settings settings) : IDisposable
{
    public ModelConfig Config { get; } = config;

    /// <summary>The response text, the model that answered, and token counts when known.</summary>
    protected sealed record Output(string Response, string? Model = null, long? InputTokens = null, long? OutputTokens = null, bool CacheHit = false);

    public static Generator Create(ModelConfig config, Settings settings, HttpClient http, ClientSetup setup) => config.Provider switch
    {
        Provider.Command => new CommandGenerator(config, settings),
        Provider.Http => new HttpGenerator(config, settings, http),
        _ => new ChatClientGenerator(config, settings, CreateChatClient(config, setup)),
    };

    /// <summary>
    /// The Microsoft.Extensions.AI chat client for an LLM provider: the SDK's retries (backoff with jitter, Retry-After)
    /// and request timeout from <paramref name="setup"/>, behind the response cache when there is one.
    /// </summary>
    public static IChatClient CreateChatClient(ModelConfig config, ClientSetup? setup = null)
    {
        setup ??= ClientSetup.Default;
        var model = config.Model ?? throw new InvalidOperationException($"model config '{config.Name}' has no model");
        var key = new ApiKeyCredential(config.ApiKey ?? "no-key");
        var retry = new ObservingRetryPolicy(setup.Retries, setup.OnRateLimited);
        IChatClient client = config.Provider switch
        {
            Provider.OpenAI => new OpenAI.Chat.ChatClient(model, key, new OpenAIClientOptions { Endpoint = config.BaseUrl, RetryPolicy = retry, NetworkTimeout = setup.RequestTimeout }).AsIChatClient(),
            Provider.AzureOpenAI => new AzureOpenAIClient(config.BaseUrl!, key, new AzureOpenAIClientOptions { RetryPolicy = retry, NetworkTimeout = setup.RequestTimeout }).GetChatClient(model).AsIChatClient(),
            Provider.Ollama => new OllamaApiClient(config.BaseUrl ?? new Uri("http://localhost:11434"), model),
            _ => throw new InvalidOperationException($"provider {config.Provider} is not a chat client"),
        };
        return setup.Cache is { Mode: not CacheMode.Off } cache
            ? new CachedChatClient(client, cache, config.Provider.ToString(), config.BaseUrl?.Authority ?? "default", model)
            : client;
    }

    /// <summary>The Microsoft.Extensions.AI embedding generator for an LLM provider.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(ModelConfig config)
    {
        var model = config.Model ?? throw new InvalidOperationException($"model config '{config.Name}' has no model");
        var key = new ApiKeyCredential(config.ApiKey ?? "no-key");
        return config.Provider switch
        {
            Provider.OpenAI => new OpenAI.Embeddings.EmbeddingClient(model, key, new OpenAIClientOptions { Endpoint = config.BaseUrl }).AsIEmbeddingGenerator(),
            Provider.AzureOpenAI => new AzureOpenAIClient(config.BaseUrl!, key).GetEmbeddingClient(model).AsIEmbeddingGenerator(),
            Provider.Ollama => new OllamaApiClient(config.BaseUrl ?? new Uri("http://localhost:11434"), model),
            _ => throw new InvalidOperationException($"provider {config.Provider} has no embeddings"),
        };
    }

    /// <summary>
    /// Generates; every failure but the caller's cancellation becomes a log with <see cref="Log.Error"/> set.
    /// <paramref name="timeout"/> (run.timeout) is measured on <paramref name="time"/>, the run's clock.
    /// </summary>
    public async Task<Log> GenerateAsync(Datapoint datapoint, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var prompt = Config.Template?.Render(datapoint);
            var output = await GenerateCoreAsync(datapoint, prompt, timeoutSource.Token).ConfigureAwait(false);
            return new Log
            {
                ModelConfig = Config.Name,
                Model = output.Model ?? Config.Model,
                Response = output.Response,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                InputTokens = output.InputTokens,
                OutputTokens = output.OutputTokens,
                CacheHit = output.CacheHit,
            };
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var (kind, reason) = ex switch
            {
                OperationCanceledException when timeoutSource.IsCancellationRequested => (Runs.ErrorKind.Timeout, $"timed out after {timeout.TotalSeconds:0.###}s (run.timeout)"),
                CacheMissException => (Runs.ErrorKind.CacheMiss, ex.Message),
                System.ClientModel.ClientResultException { Status: 429 } => (Runs.ErrorKind.RateLimit, Describe(ex)),
                _ => (Runs.ErrorKind.Generation, Describe(ex)),
            };
            return new Log
            {
                ModelConfig = Config.Name,
                Model = Config.Model,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                Error = new Runs.RunError { Kind = kind, Source = Config.Name, Message = settings.Redact($"generation failed ({Config.Name}): {reason}") },
            };
        }
    }

    protected abstract Task<Output> GenerateCoreAsync(Datapoint datapoint, string? prompt, CancellationToken cancellationToken);

    protected virtual string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = string.Join(' ', current.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (!messages.Contains(message))
            {
                messages.Add(message);
            }
        }

        return string.Join(" → ", messages);
    }

    public virtual void Dispose()
    {
    }
}
