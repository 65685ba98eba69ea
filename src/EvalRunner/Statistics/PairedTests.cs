using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

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

    /// <summary>The draws on the good side after which a bootstrap that may draw more stops (Besag and Clifford 1991).</summary>
    public const int EnoughGoodDraws = 20;

    /// <summary>
    /// A paired bootstrap of an aggregate: datapoints are drawn with replacement (each with all its trials, in both
    /// runs), the aggregate is computed over the drawn rows of each run, and P = (1 + #draws whose difference
    /// (head − baseline) is on the good side of <paramref name="margin"/>) / (draws + 1): small when the data show
    /// head is worse than "baseline + margin". A draw on which either aggregate is null is skipped.
    /// </summary>
    /// <remarks>
    /// P cannot go below 1 / (draws + 1), so with many tests adjusted together (Holm multiplies the least P by their
    /// number) a fixed number of draws could never flag anything. After <paramref name="resamples"/> draws with fewer
    /// than <see cref="EnoughGoodDraws"/> on the good side, drawing goes on, up to <paramref name="maxResamples"/>, until
    /// that many are (sequential Monte Carlo p-values, Besag and Clifford 1991: stopping there, (good + 1) / (draws + 1)
    /// is at least their h / l, so still valid). A clearly fine rule stops at <paramref name="resamples"/>, with the same
    /// draws as without a maximum.
    /// </remarks>
    /// <param name="baseline">Per datapoint, the values of its baseline rows (null where a row has none).</param>
    /// <param name="head">Per datapoint, in the same order, the values of its head rows.</param>
    /// <param name="statistic">The aggregate over rows; null when there is nothing to aggregate.</param>
    /// <param name="margin">The difference allowed: the rule is head OP baseline + margin.</param>
    /// <param name="higherIsBetter">True for rules with &gt;= or &gt; (a drop is the regression), false for &lt;= or &lt;.</param>
    /// <param name="resamples">How many draws at least.</param>
    /// <param name="seed">The seed of the draws (<see cref="Seeds.Of"/>).</param>
    /// <param name="maxResamples">How many draws at most; at or below <paramref name="resamples"/>, exactly <paramref name="resamples"/>.</param>
    /// <exception cref="ArgumentException">The two lists differ in length.</exception>
    public static double Bootstrap(
        IReadOnlyList<IReadOnlyList<double?>> baseline,
        IReadOnlyList<IReadOnlyList<double?>> head,
        Func<IReadOnlyList<double?>, double?> statistic,
        double margin,
        bool higherIsBetter,
        int resamples,
        int seed,
        int maxResamples = 0)
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

        // Datapoint indices are drawn as Intervals.Resample draws them (one Xoshiro256** stream, n indices per draw), so
        // that one draw picks the same datapoints on both sides and a seed gives the same p-value everywhere.
        var random = new Xoshiro256StarStar(seed);
        var count = baseline.Count;
        var headRows = new List<double?>();
        var baseRows = new List<double?>();
        var most = Math.Max(resamples, maxResamples);
        int draws = 0, counted = 0, good = 0;
        while (draws < resamples || (draws < most && good < EnoughGoodDraws))
        {
            headRows.Clear();
            baseRows.Clear();
            for (var i = 0; i < count; i++)
            {
                var pick = random.Next(count);
                headRows.AddRange(head[pick]);
                baseRows.AddRange(baseline[pick]);
            }

            draws++;
            if (statistic(headRows) - statistic(baseRows) is { } difference && !double.IsNaN(difference))
            {
                counted++;
                good += (higherIsBetter ? difference >= margin : difference <= margin) ? 1 : 0;
            }
        }

        return (good + 1.0) / (counted + 1.0);
    }

    /// <summary>
    /// The smallest drop of a pass rate that a one-sided paired test at level <paramref name="alpha"/> detects with
    /// probability <paramref name="power"/>: a uniform drop δ of every datapoint's rate, from <paramref name="baseRate"/>
    /// p₀ to p₁ = p₀ − δ, and a normal approximation of the paired difference over N datapoints × K trials whose variance
    /// is deff·(p₀(1 − p₀) + p₁(1 − p₁)) / (N·K). δ solves δ = (z₁₋α + z_power)·√that, a quadratic: with
    /// c = (z₁₋α + z_power)² and a = c·deff / (N·K), δ = (a(2p₀ − 1) + √(a²(2p₀ − 1)² + 8a(1 + a)p₀(1 − p₀))) / (2(1 + a)),
    /// at most p₀. At p₀ = 1 this is a / (1 + a), what McNemar's discordant pairs give. A rise (a rule where lower is
    /// better) is the drop of 1 − the rate.
    /// </summary>
    /// <param name="datapoints">N, the shared datapoints.</param>
    /// <param name="trials">K, the trials per datapoint (a mean when they differ).</param>
    /// <param name="baseRate">p₀, the baseline's rate over the shared datapoints.</param>
    /// <param name="designEffect">The trials' design effect (<see cref="Intervals.DesignEffect"/>); 1 for one trial.</param>
    /// <param name="alpha">The one-sided level.</param>
    /// <param name="power">The chance of detecting the drop.</param>
    public static double DetectableChange(int datapoints, double trials, double baseRate, double designEffect, double alpha, double power = 0.8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(datapoints, 1);
        var z = Normal.InvCDF(0, 1, 1 - alpha) + Normal.InvCDF(0, 1, power);
        var a = z * z * designEffect / (datapoints * trials);
        var p0 = Math.Clamp(baseRate, 0, 1);
        var b = a * ((2 * p0) - 1);
        var delta = (b + Math.Sqrt((b * b) + (8 * a * (1 + a) * p0 * (1 - p0)))) / (2 * (1 + a));
        return Math.Min(delta, p0);
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
