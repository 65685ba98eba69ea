namespace EvalRunner.Results;

/// <summary>Counts and totals of one model config's rows.</summary>
internal sealed record ModelSummary
{
    /// <summary>The model config's name.</summary>
    public required string Name { get; init; }

    /// <summary>The provider, as written in the suite.</summary>
    public required string Provider { get; init; }

    /// <summary>The configured model, if any.</summary>
    public string? Model { get; init; }

    /// <summary>Rows run.</summary>
    public int Rows { get; init; }

    /// <summary>Rows that passed.</summary>
    public int Passed { get; init; }

    /// <summary>Rows that failed a per-datapoint threshold.</summary>
    public int Failed { get; init; }

    /// <summary>Rows with an error.</summary>
    public int Errors { get; init; }

    /// <summary>Rows left out of the decision on purpose (in replay mode, calls not in the cache).</summary>
    public int Excluded { get; init; }

    /// <summary>Passed ÷ rows measured (errors included in the denominator, rows that need a live run not); 0 when none.</summary>
    public double PassRate => RunResult.RateOf(Passed, Rows - Excluded);

    /// <summary>Mean generation latency in milliseconds.</summary>
    public double MeanLatencyMs { get; init; }

    /// <summary>Total prompt tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Total completion tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>What the generations cost in USD by the price table (cache hits cost nothing).</summary>
    public double CostUsd { get; init; }

    /// <summary>What the LLM judges cost in USD.</summary>
    public double JudgeCostUsd { get; init; }

    /// <summary>Generations answered from the response cache.</summary>
    public int CacheHits { get; init; }

    /// <summary>Tokens of the generations answered from the cache: paid once, not again.</summary>
    public long TokensSaved { get; init; }

    /// <summary>
    /// In a repeated run, the chance that at least one of k = <c>run.repeat</c> trials of a datapoint passes, estimated
    /// from its trials and averaged over the datapoints; null when the suite runs each datapoint once.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? PassAtK { get; init; }

    /// <summary>In a repeated run, the chance that all k trials of a datapoint pass (pass^k), as <see cref="PassAtK"/>.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? PassHatK { get; init; }
}
