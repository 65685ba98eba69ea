using EvalRunner.Evaluators;
using EvalRunner.Results;
using EvalRunner.Statistics;

namespace EvalRunner.Thresholds;

// Confidence intervals of aggregates, and rules on their bounds (lower(rate(x)) >= 0.8).
internal sealed partial record Threshold
{
    /// <summary>The end of the interval the rule decides on, or null when it decides on the value.</summary>
    public IntervalBound? Bound { get; init; }

    /// <summary>Whether the aggregate function has a confidence interval (mean, rate and the percentiles).</summary>
    internal bool HasInterval => Function is AggregateFunction.Mean or AggregateFunction.Rate or AggregateFunction.P50
        or AggregateFunction.P90 or AggregateFunction.P95 or AggregateFunction.P99;

    /// <summary>
    /// The aggregate and its 95% interval. With one row per datapoint: Wilson for <c>rate</c> and <c>mean</c> of a bool
    /// column (successes over every row, error rows included), Student t for <c>mean</c> of numbers, a percentile
    /// bootstrap for the percentiles. With <paramref name="clusters"/> (the values grouped by datapoint, when a datapoint
    /// has several trials): for <c>rate</c> and <c>mean</c> of a bool column, Wilson on the rows divided by the trials'
    /// design effect (<see cref="Intervals.ClusteredWilson"/>); for the others a bootstrap that resamples whole datapoints.
    /// </summary>
    /// <param name="values">One entry per row as for <see cref="Aggregate"/>.</param>
    /// <param name="type">The column's type.</param>
    /// <param name="seed">The bootstrap's seed: <see cref="Seeds.Of"/> of the rule and the model config.</param>
    /// <param name="clusters">Each datapoint's values, datapoints in id order; null when no datapoint has more than one row.</param>
    internal AggregateEstimate Estimate(IReadOnlyList<double?> values, ColumnType type, int seed, IReadOnlyList<double?[]>? clusters = null)
    {
        var value = Aggregate(values, type);
        if (!HasInterval || value is null)
        {
            return new AggregateEstimate { Value = value };
        }

        if (clusters is not null && Function is AggregateFunction.Rate or AggregateFunction.Mean && type == ColumnType.Bool)
        {
            // Not a bootstrap: with every trial passed (or failed) it has no spread at all and says [1, 1].
            return new AggregateEstimate { Value = value, Interval = Intervals.ClusteredWilson(clusters), Method = "wilson" };
        }

        if (clusters is not null)
        {
            return new AggregateEstimate
            {
                Value = value,
                Interval = Intervals.ClusterBootstrap(clusters, resample => Aggregate([.. resample.SelectMany(c => c)], type), seed),
                Method = "bootstrap",
            };
        }

        // Sorted, so that the interval does not depend on the order rows finished in (sums of doubles do).
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).Order().ToArray();
        return Function switch
        {
            AggregateFunction.Rate or AggregateFunction.Mean when type == ColumnType.Bool =>
                new AggregateEstimate { Value = value, Interval = Intervals.Wilson((int)Math.Round(present.Sum()), values.Count), Method = "wilson" },
            AggregateFunction.Mean => new AggregateEstimate { Value = value, Interval = Intervals.StudentT(present), Method = "t" },
            _ => new AggregateEstimate { Value = value, Interval = Intervals.PercentileBootstrap(present, Quantile(Function!.Value), seed), Method = "bootstrap" },
        };
    }

    /// <summary>What the rule compares: the bound it names, else the value; null when that could not be computed.</summary>
    internal double? Decided(AggregateEstimate estimate) => Bound switch
    {
        IntervalBound.Lower => estimate.Interval?.Lower,
        IntervalBound.Upper => estimate.Interval?.Upper,
        _ => estimate.Value,
    };

    private static double Quantile(AggregateFunction function) => function switch
    {
        AggregateFunction.P50 => 0.50,
        AggregateFunction.P90 => 0.90,
        AggregateFunction.P95 => 0.95,
        _ => 0.99,
    };
}
