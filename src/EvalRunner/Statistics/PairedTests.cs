namespace EvalRunner.Statistics;

/// <summary>Tests over paired measurements: the same datapoints measured by two runs.</summary>
internal static class PairedTests
{
    /// <summary>
    /// The exact two-sided McNemar p-value for <paramref name="worse"/> pairs that went from true to false and
    /// <paramref name="better"/> pairs that went from false to true (the discordant pairs; concordant pairs carry no
    /// information). 1 when there are no discordant pairs.
    /// </summary>
    public static double McNemarExact(int worse, int better)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(worse);
        ArgumentOutOfRangeException.ThrowIfNegative(better);
        var n = worse + better;
        if (n == 0)
        {
            return 1;
        }

        // Under the null hypothesis each discordant pair goes either way with probability 1/2.
        var tail = MathNet.Numerics.Distributions.Binomial.CDF(0.5, n, Math.Min(worse, better));
        return Math.Min(1, 2 * tail);
    }

    /// <summary>
    /// A paired bootstrap of an aggregate: datapoints are drawn with replacement (each with all its trials, in both
    /// runs), the aggregate is computed over the drawn rows of each run, and the p-value is the share of draws whose
    /// difference (head − baseline) is on the good side of <paramref name="margin"/> — the evidence against "no worse
    /// than baseline + margin". One-sided; the draws are seeded, so the same data gives the same p-value.
    /// </summary>
    /// <param name="baseline">Per datapoint, the values of its baseline rows (null where a row has none).</param>
    /// <param name="head">Per datapoint, in the same order, the values of its head rows.</param>
    /// <param name="statistic">The aggregate over rows; null when there is nothing to aggregate.</param>
    /// <param name="margin">The difference allowed: the rule is head OP baseline + margin.</param>
    /// <param name="higherIsBetter">True for rules with &gt;= or &gt; (a drop is the regression), false for &lt;= or &lt;.</param>
    /// <param name="resamples">How many draws.</param>
    /// <param name="seed">The seed of the draws (<see cref="Seeds.For"/>).</param>
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

        var random = new Random(seed);
        var good = 0;
        var drawnBase = new List<double?>();
        var drawnHead = new List<double?>();
        for (var i = 0; i < resamples; i++)
        {
            drawnBase.Clear();
            drawnHead.Clear();
            for (var j = 0; j < baseline.Count; j++)
            {
                var pick = random.Next(baseline.Count);
                drawnBase.AddRange(baseline[pick]);
                drawnHead.AddRange(head[pick]);
            }

            if (statistic(drawnBase) is not { } b || statistic(drawnHead) is not { } h)
            {
                good++;
                continue;
            }

            var difference = h - b;
            if (higherIsBetter ? difference >= margin : difference <= margin)
            {
                good++;
            }
        }

        return (good + 1.0) / (resamples + 1.0);
    }

    /// <summary>Holm's step-down adjustment of p-values for several tests at once, in the order given.</summary>
    public static IReadOnlyList<double> Holm(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ToArray();
        var adjusted = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            var index = order[rank];
            running = Math.Max(running, Math.Min(1, (m - rank) * pValues[index]));
            adjusted[index] = running;
        }

        return adjusted;
    }
}
