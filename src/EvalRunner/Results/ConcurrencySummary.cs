namespace EvalRunner.Results;

/// <summary>How many generations ran at once: what the suite asked for and what the provider admitted.</summary>
internal sealed record ConcurrencySummary
{
    /// <summary><c>run.concurrency</c> (or <c>--concurrency</c>).</summary>
    public int Configured { get; init; }

    /// <summary>The calls allowed at once when the run ended: where the adaptive limiter settled after the provider's 429s.</summary>
    public int Effective { get; init; }

    /// <summary>The fewest calls that were allowed at once during the run.</summary>
    public int Lowest { get; init; }
}
