using System.Runtime.ExceptionServices;
using EvalRunner.Logs;

namespace EvalRunner.Generation;

/// <summary>
/// The retries of one LLM request, whatever client sends it: after a rate limit (waiting as it asks, up to
/// <see cref="ClientSetup.MaxRetryWait"/>, at least <see cref="RateLimitRetries"/> times), a server error, a timeout
/// or an unusable answer (<see cref="ClientSetup.Retries"/> times); never after what no retry fixes, which it says once
/// in words with the provider's own code and message.
/// </summary>
internal sealed class RetryBudget(ClientSetup setup)
{
    /// <summary>A rate-limited request is retried at least this often: short 429 waits are the provider pacing the run.</summary>
    public const int RateLimitRetries = 10;

    private static readonly TimeSpan InitialDelay = TimeSpan.FromSeconds(0.8);

    private int _retries;
    private int _rateLimited;

    /// <summary>The wait before sending again; throws <see cref="ProviderException"/> (or <paramref name="failure"/>) when it is not sent again.</summary>
    public TimeSpan Next(ProviderError error, Exception? failure)
    {
        TimeSpan delay;
        RetryCause cause;
        switch (error.Kind)
        {
            case FaultKind.RateLimit:
                setup.OnRateLimited?.Invoke();
                if (error.RetryAfter > setup.MaxRetryWait)
                {
                    throw new ProviderException(
                        ErrorKind.RateLimit,
                        $"rate limited; the provider asked to wait {error.RetryAfter!.Value.TotalSeconds:0.###} s, more than run.max_retry_wait ({setup.MaxRetryWait.TotalSeconds:0.###} s)",
                        new ProviderFault { Key = "429 long wait", AccountWide = true });
                }

                if (_rateLimited >= (setup.Retries == 0 ? 0 : Math.Max(setup.Retries, RateLimitRetries)))
                {
                    throw new ProviderException(ErrorKind.RateLimit, $"rate limited: the provider answered 429 on {_rateLimited + 1} tries: {error.Said}");
                }

                _rateLimited++;
                delay = error.RetryAfter ?? Backoff(_rateLimited);
                cause = RetryCause.RateLimit;
                break;
            case FaultKind.ServerError or FaultKind.Timeout or FaultKind.Unusable:
                if (_retries >= setup.Retries)
                {
                    if (error.Status is null && failure is not null)
                    {
                        ExceptionDispatchInfo.Capture(failure).Throw();
                    }

                    var kind = error.Kind switch
                    {
                        FaultKind.ServerError => ErrorKind.ServerError,
                        FaultKind.Timeout => ErrorKind.Timeout,
                        _ => ErrorKind.Generation,
                    };
                    throw new ProviderException(kind, $"{error.Problem} (after {_retries + 1} tries)");
                }

                _retries++;
                delay = Backoff(_retries);
                cause = error.Kind switch
                {
                    FaultKind.Timeout => RetryCause.Timeout,
                    FaultKind.Unusable => RetryCause.Unusable,
                    _ => RetryCause.ServerError,
                };
                break;
            default:
                throw NotRetried(error);
        }

        setup.Tally?.Add(cause);
        return delay;
    }

    /// <summary>What no retry fixes, said once with the provider's own code and message.</summary>
    private static ProviderException NotRetried(ProviderError error)
    {
        var (kind, why) = error.Kind switch
        {
            FaultKind.Quota => (ErrorKind.Quota, "the account has no quota left; add credit or raise the limit"),
            FaultKind.Auth when error.Status == 403 => (ErrorKind.Auth, "the key may not use this model or endpoint"),
            FaultKind.Auth => (ErrorKind.Auth, "the API key was refused; check api_key"),
            FaultKind.NotFound => (ErrorKind.BadRequest, "the model or endpoint does not exist; check model and base_url"),
            FaultKind.ContextLength => (ErrorKind.ContextLength, "the prompt is longer than the model's context"),
            _ => (ErrorKind.BadRequest, "the provider rejected the request"),
        };
        return new ProviderException(
            kind,
            $"{why} (not retried): {error.Problem}",
            new ProviderFault { Key = $"{error.Status} {error.Code}", AccountWide = error.Kind is FaultKind.Quota or FaultKind.Auth or FaultKind.NotFound });
    }

    /// <summary>Exponential backoff with jitter, never longer than the longest wait the run allows.</summary>
    private TimeSpan Backoff(int retry)
    {
        var delay = InitialDelay * Math.Pow(2, retry - 1) * (0.8 + (0.4 * Random.Shared.NextDouble()));
        return delay > setup.MaxRetryWait ? setup.MaxRetryWait : delay;
    }
}
