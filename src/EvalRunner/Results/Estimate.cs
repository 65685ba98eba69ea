namespace EvalRunner.Results;

/// <summary>What a run would do, counted without calling anything (<c>--dry-run</c>).</summary>
internal sealed record Estimate
{
    /// <summary>Generations: datapoints × model configs.</summary>
    public int GenerationCalls { get; init; }

    /// <summary>LLM judge calls, one per row and judge (invalid answers add retries).</summary>
    public int JudgeCalls { get; init; }

    /// <summary>Estimated prompt tokens (about four characters a token).</summary>
    public long InputTokens { get; init; }

    /// <summary>Estimated completion tokens (max_tokens where set, else 200 a generation and 20 a judge column).</summary>
    public long OutputTokens { get; init; }

    /// <summary>Estimated cost in USD of the calls whose models have a price.</summary>
    public double CostUsd { get; init; }

    /// <summary>Calls to models without a price (their cost is unknown, not zero).</summary>
    public int UnpricedCalls { get; init; }
}
