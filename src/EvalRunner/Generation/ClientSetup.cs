using EvalRunner.Caching;

namespace EvalRunner.Generation;

/// <summary>How a run's LLM clients behave: retries, per-request timeout, who hears about rate limits, and the cache.</summary>
internal sealed record ClientSetup
{
    public static ClientSetup Default { get; } = new();

    /// <summary>Retries after 5xx, timeouts, dropped connections and unusable answers; 429s get at least 10 (see <see cref="RetryBudget"/>).</summary>
    public int Retries { get; init; } = 3;

    /// <summary>The longest one HTTP request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>The longest wait a 429 may ask for; a longer one fails the request at once.</summary>
    public TimeSpan MaxRetryWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Called on every 429 answer, before any retry.</summary>
    public Action? OnRateLimited { get; init; }

    /// <summary>Waits before a retry; the run's version gives the row's slot back while it waits.</summary>
    public Func<TimeSpan, CancellationToken, Task> WaitBeforeRetry { get; init; } = Task.Delay;

    /// <summary>Counts the retries by cause, or null.</summary>
    public RetryTally? Tally { get; init; }

    /// <summary>The run's clock: HTTP dates in Retry-After, and the request timeout of clients the run retries itself.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The response cache, or null.</summary>
    public FileResponseCache? Cache { get; init; }
}
