using MathNet.Numerics;
using MathNet.Numerics.Distributions;

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
    /// A paired bootstrap of per-datapoint differences (candidate minus baseline): resamples datapoints with
    /// replacement; the interval is the percentile interval of the resampled mean; P = (1 + #resamples with
    /// mean ≥ -<paramref name="margin"/>) / (resamples + 1), small when the candidate is worse by more than the margin.
    /// </summary>
    public static PairedResult Bootstrap(IReadOnlyList<double> differences, double margin, int seed, int resamples = Intervals.DefaultResamples, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(differences);
        var n = differences.Count;
        if (n < 2)
        {
            return new PairedResult { Delta = n == 0 ? 0 : differences[0], P = 1, Datapoints = n };
        }

        var delta = differences.Average();
        var estimates = Intervals.Resample(differences, Mean, seed, resamples);
        estimates.Sort();
        var notWorse = estimates.Count(d => d >= -margin);
        var alpha = 1 - confidence;
        var sd = Math.Sqrt(differences.Sum(d => (d - delta) * (d - delta)) / (n - 1));
        return new PairedResult
        {
            Delta = delta,
            Interval = new Interval { Lower = Intervals.Quantile(estimates, alpha / 2), Upper = Intervals.Quantile(estimates, 1 - (alpha / 2)) },
            P = (1.0 + notWorse) / (resamples + 1),
            EffectSize = sd == 0 ? null : delta / sd,
            Datapoints = n,
        };

        static double? Mean(IReadOnlyList<double> resample) => resample.Average();
    }

    /// <summary>
    /// The Wilcoxon signed-rank test of "the differences are centred below -<paramref name="margin"/>": differences are
    /// shifted by the margin, zeros dropped, ties given mid-ranks. Exact (the permutation distribution of the given
    /// ranks) for up to 20 non-zero differences, else the normal approximation with tie and continuity correction.
    /// 1 when no difference is left.
    /// </summary>
    public static double WilcoxonSignedRank(IReadOnlyList<double> differences, double margin)
    {
        ArgumentNullException.ThrowIfNull(differences);
        var shifted = differences.Select(d => d + margin).Where(d => d != 0).OrderBy(Math.Abs).ToList();
        var n = shifted.Count;
        if (n == 0)
        {
            return 1;
        }

        // Mid-ranks, doubled so that they stay integers: ranks 3 and 4 tied give 3.5 each, doubled 7.
        var doubledRanks = new int[n];
        var tieCorrection = 0.0;
        for (var start = 0; start < n;)
        {
            var end = start;
            while (end + 1 < n && Math.Abs(shifted[end + 1]) == Math.Abs(shifted[start]))
            {
                end++;
            }

            for (var i = start; i <= end; i++)
            {
                doubledRanks[i] = start + 1 + end + 1;
            }

            var t = end - start + 1;
            tieCorrection += ((double)t * t * t) - t;
            start = end + 1;
        }

        // W+ (doubled): the rank sum of the positive differences; small W+ speaks for a regression.
        var observed = Enumerable.Range(0, n).Where(i => shifted[i] > 0).Sum(i => doubledRanks[i]);
        if (n <= 20)
        {
            return ExactLowerTail(doubledRanks, observed);
        }

        var mean = n * (n + 1) / 4.0;
        var variance = (n * (n + 1) * ((2.0 * n) + 1) / 24) - (tieCorrection / 48);
        var z = ((observed / 2.0) - mean + 0.5) / Math.Sqrt(variance);
        return Math.Min(1, Normal.CDF(0, 1, z));
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

    // P(W+ <= observed) when each rank is positive or negative with probability 1/2, independently.
    private static double ExactLowerTail(int[] doubledRanks, int observed)
    {
        var counts = new double[doubledRanks.Sum() + 1];
        counts[0] = 1;
        var reach = 0;
        foreach (var rank in doubledRanks)
        {
            for (var sum = reach; sum >= 0; sum--)
            {
                counts[sum + rank] += counts[sum];
            }

            reach += rank;
        }

        return Math.Min(1, counts.Take(observed + 1).Sum() / Math.Pow(2, doubledRanks.Length));
    }
}
