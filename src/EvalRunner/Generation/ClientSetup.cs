using EvalRunner.Caching;

namespace EvalRunner.Generation;

/// <summary>How a run's LLM clients behave: retries, per-request timeout, who hears about rate limits, and the cache.</summary>
internal sealed record ClientSetup
{
    public static ClientSetup Default { get; } = new();

    /// <summary>Retries after 429, 5xx, timeouts and connection resets (the provider SDK's backoff with jitter, honouring Retry-After).</summary>
    public int Retries { get; init; } = 3;

    /// <summary>The longest one HTTP request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Called on every 429 answer, before any retry.</summary>
    public Action? OnRateLimited { get; init; }

    /// <summary>The response cache, or null.</summary>
    public FileResponseCache? Cache { get; init; }
}
