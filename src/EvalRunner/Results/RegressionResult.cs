namespace EvalRunner.Results;

/// <summary>One regression rule decided for one model config.</summary>
internal sealed record RegressionResult
{
    /// <summary>The rule as written (or the default gate).</summary>
    public required string Rule { get; init; }

    /// <summary>The model config.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>Held, broken or not decided.</summary>
    public required RuleDecision Decision { get; init; }

    /// <summary>The baseline's value (over the shared datapoints for a <c>significant</c> rule).</summary>
    public double? Base { get; init; }

    /// <summary>The head's value (over the shared datapoints for a <c>significant</c> rule).</summary>
    public double? Head { get; init; }

    /// <summary>Head − base: the effect size, in the aggregate's unit.</summary>
    public double? Delta { get; init; }

    /// <summary>What the head's value was compared with: the baseline's value plus the rule's offset.</summary>
    public double? Bound { get; init; }

    /// <summary>The paired test of a <c>significant</c> rule: <c>mcnemar</c> or <c>bootstrap</c>.</summary>
    public string? Test { get; init; }

    /// <summary>The test's p-value.</summary>
    public double? P { get; init; }

    /// <summary>The p-value after Holm's adjustment over every significant rule and model config.</summary>
    public double? PAdjusted { get; init; }

    /// <summary>Datapoints both runs measured (the test's sample).</summary>
    public int Shared { get; init; }

    /// <summary>New datapoints that did not pass, when the rule says <c>new_datapoints: must_pass</c> (which they break); else 0.</summary>
    public int NewNotPassed { get; init; }

    /// <summary>
    /// For a <c>significant</c> rule on a rate (or the mean of a bool column): the smallest change its test detects with
    /// 80% power (<see cref="Statistics.PairedTests.DetectableChange"/>), in the aggregate's unit; null otherwise.
    /// </summary>
    public double? DetectableChange { get; init; }

    /// <summary>With <see cref="DetectableChange"/>: trials per shared datapoint in the baseline (their mean).</summary>
    public double? Trials { get; init; }

    /// <summary>With <see cref="DetectableChange"/>: the design effect of the baseline's trials.</summary>
    public double? DesignEffect { get; init; }

    /// <summary>Why it was not decided, or what to know about the decision (a stale baseline).</summary>
    public string? Note { get; init; }
}
