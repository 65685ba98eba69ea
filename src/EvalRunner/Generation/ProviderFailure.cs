namespace EvalRunner.Generation;

/// <summary>A provider call that failed, as the run saw it: what its client threw and, when the run could see it, the HTTP answer.</summary>
internal sealed record ProviderFailure
{
    /// <summary>What the provider's client threw (a status error of its SDK, a timeout, a dropped connection).</summary>
    public required Exception Exception { get; init; }

    /// <summary>The HTTP answer behind the failure (status, error body, Retry-After), when the run could read it.</summary>
    public HttpAnswer? Answer { get; init; }

    /// <summary>The run's clock, for a Retry-After given as a date.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
