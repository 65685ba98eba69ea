using MathNet.Numerics;

namespace EvalRunner.Statistics;

/// <summary>
/// Paired tests of a candidate against a baseline on the same datapoints. Every p-value is one-sided and asks
/// whether the candidate is worse (differences are candidate minus baseline, higher is better).
/// </summary>
internal static class PairedTests
{
    /// <summary>
    /// The exact McNemar test on discordant pairs: with <paramref name="worse"/> datapoints that passed on the baseline
    /// and failed on the candidate and <paramref name="better"/> the other way round, P(X &gt;= worse) for
    /// X ~ Binomial(worse + better, 1/2). 1 when there is no discordant pair.
    /// </summary>
    public static double McNemarExact(int worse, int better)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(worse);
        ArgumentOutOfRangeException.ThrowIfNegative(better);
        var n = worse + better;
        // P(X >= k) = I_{1/2}(k, n - k + 1), the regularized incomplete beta: no 1 - CDF cancellation for small tails.
        return worse == 0 ? 1 : Math.Min(1, SpecialFunctions.BetaRegularized(worse, n - worse + 1, 0.5));
    }

    /// <summary>
    /// A paired bootstrap of an aggregate: datapoints are drawn with replacement (each with all its trials, in both
    /// runs), the aggregate is computed over the drawn rows of each run, and P = (1 + #draws whose difference
    /// (head − baseline) is on the good side of <paramref name="margin"/>) / (draws + 1): small when the data show
    /// head is worse than "baseline + margin". A draw on which either aggregate is null is skipped.
    /// </summary>
    /// <param name="baseline">Per datapoint, the values of its baseline rows (null where a row has none).</param>
    /// <param name="head">Per datapoint, in the same order, the values of its head rows.</param>
    /// <param name="statistic">The aggregate over rows; null when there is nothing to aggregate.</param>
    /// <param name="margin">The difference allowed: the rule is head OP baseline + margin.</param>
    /// <param name="higherIsBetter">True for rules with &gt;= or &gt; (a drop is the regression), false for &lt;= or &lt;.</param>
    /// <param name="resamples">How many draws.</param>
    /// <param name="seed">The seed of the draws (<see cref="Seeds.Of"/>).</param>
    /// <exception cref="ArgumentException">The two lists differ in length.</exception>
    public static double Bootstrap(
        IReadOnlyList<IReadOnlyList<double?>> baseline,
        IReadOnlyList<IReadOnlyList<double?>> head,
        Func<IReadOnlyList<double?>, double?> statistic,
        double margin,
        bool higherIsBetter,
        int resamples,
        int seed)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(statistic);
        if (baseline.Count != head.Count)
        {
            throw new ArgumentException("baseline and head must list the same datapoints", nameof(head));
        }

        if (baseline.Count == 0 || resamples < 1)
        {
            return 1;
        }

        // Datapoint indices are resampled, so that one draw picks the same datapoints on both sides.
        var differences = Intervals.Resample(
            Enumerable.Range(0, baseline.Count).ToArray(),
            picks => statistic([.. picks.SelectMany(i => head[i])]) - statistic([.. picks.SelectMany(i => baseline[i])]),
            seed,
            resamples);
        var good = differences.Count(d => higherIsBetter ? d >= margin : d <= margin);
        return (good + 1.0) / (differences.Count + 1.0);
    }

    /// <summary>
    /// Holm's step-down adjustment (Holm 1979) for several p-values tested together; returns adjusted p-values in the
    /// given order: compare each with the family's alpha.
    /// </summary>
    public static IReadOnlyList<double> Holm(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ToArray();
        var adjusted = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            running = Math.Max(running, Math.Min(1, (m - rank) * pValues[order[rank]]));
            adjusted[order[rank]] = running;
        }

        return adjusted;
    }
}
