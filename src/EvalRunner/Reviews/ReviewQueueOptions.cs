namespace EvalRunner.Reviews;

/// <summary>How <see cref="ReviewQueue"/> picks and orders the rows a reviewer scores.</summary>
internal sealed record ReviewQueueOptions
{
    /// <summary>The <c>external</c> evaluator whose scores file the reviewer fills; rows it already has from this reviewer are left out.</summary>
    public required string Evaluator { get; init; }

    public ReviewOrder Order { get; init; } = ReviewOrder.FailingFirst;

    /// <summary>The sample size of <see cref="ReviewOrder.Sample"/>; null means every row, shuffled.</summary>
    public int? Count { get; init; }

    /// <summary>The seed of <see cref="ReviewOrder.Sample"/>.</summary>
    public int Seed { get; init; }

    /// <summary>The evaluators whose rules are the judge's for <see cref="ReviewOrder.Disagreement"/>; empty means the suite's <c>llm</c> evaluators.</summary>
    public IReadOnlyList<string> Judges { get; init; } = [];
}
