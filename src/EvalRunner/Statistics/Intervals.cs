using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace EvalRunner.Statistics;

/// <summary>Two-sided confidence intervals; <c>confidence</c> is the coverage, 0.95 by default.</summary>
internal static class Intervals
{
    /// <summary>Resamples a bootstrap draws unless told otherwise.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>
    /// The Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3): good coverage for small
    /// <paramref name="n"/> and for rates near 0 or 1, where the normal interval fails. Null when <paramref name="n"/> is 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 &lt;= successes &lt;= n.</exception>
    public static Interval? Wilson(int successes, int n, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, n);
        if (n == 0)
        {
            return null;
        }

        var z = Normal.InvCDF(0, 1, 1 - ((1 - confidence) / 2));
        var p = (double)successes / n;
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var center = (p + (z2 / (2 * n))) / denominator;
        var half = z / denominator * Math.Sqrt((p * (1 - p) / n) + (z2 / (4.0 * n * n)));
        return new Interval
        {
            Lower = successes == 0 ? 0 : Math.Max(0, center - half),
            Upper = successes == n ? 1 : Math.Min(1, center + half),
        };
    }

    /// <summary>
    /// The Wilson score interval of a proportion <paramref name="rate"/> observed on an effective sample of
    /// <paramref name="n"/> (not necessarily whole): the interval of clustered data, with n the rows divided by the
    /// design effect (Kish 1965; Korn and Graubard 1998). Null when n is not positive.
    /// </summary>
    public static Interval? Wilson(double rate, double n, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 1);
        if (!(n > 0))
        {
            return null;
        }

        var z = Normal.InvCDF(0, 1, 1 - ((1 - confidence) / 2));
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var center = (rate + (z2 / (2 * n))) / denominator;
        var half = z / denominator * Math.Sqrt((rate * (1 - rate) / n) + (z2 / (4.0 * n * n)));
        return new Interval
        {
            Lower = rate == 0 ? 0 : Math.Max(0, center - half),
            Upper = rate == 1 ? 1 : Math.Min(1, center + half),
        };
    }

    /// <summary>
    /// The design effect of 0/1 values grouped in clusters (a datapoint's trials): 1 + (n₀ − 1)·ICC, the intra-class
    /// correlation estimated by one-way ANOVA (Fleiss 1981, 13.2; n₀ the mean cluster size adjusted for unequal sizes),
    /// clamped to [1, largest cluster]. 1 where the ICC is undefined: fewer than 2 clusters, no cluster with 2 values, or
    /// no variance at all (every value the same, as when every trial passed), so that such data are never treated as
    /// more certain than independent rows.
    /// </summary>
    /// <param name="clusters">Each cluster's values, each 0 or 1 (a null is 0: an error row counts as false in a rate).</param>
    public static double DesignEffect(IReadOnlyList<IReadOnlyList<double?>> clusters)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var sizes = clusters.Select(c => c.Count).Where(size => size > 0).ToArray();
        var groups = clusters.Where(c => c.Count > 0).ToArray();
        var k = groups.Length;
        var rows = sizes.Sum();
        if (k < 2 || rows <= k)
        {
            return 1;
        }

        var means = groups.Select(c => c.Sum(v => v ?? 0) / c.Count).ToArray();
        var mean = groups.Sum(c => c.Sum(v => v ?? 0)) / rows;
        var between = Enumerable.Range(0, k).Sum(i => sizes[i] * (means[i] - mean) * (means[i] - mean)) / (k - 1);
        var within = Enumerable.Range(0, k).Sum(i => sizes[i] * means[i] * (1 - means[i])) / (rows - k);
        var n0 = (rows - (sizes.Sum(size => (double)size * size) / rows)) / (k - 1);
        var denominator = between + ((n0 - 1) * within);
        if (!(denominator > 1e-12))
        {
            return 1;
        }

        var icc = (between - within) / denominator;
        return Math.Clamp(1 + ((n0 - 1) * icc), 1, sizes.Max());
    }

    /// <summary>
    /// The Wilson interval of the share of 1s over every value of <paramref name="clusters"/>, with the sample shrunk by
    /// their <see cref="DesignEffect"/>: repeated trials of one datapoint count as less than independent rows. Unlike a
    /// bootstrap it keeps its width when every value is 1 (or 0). Null without values.
    /// </summary>
    public static Interval? ClusteredWilson(IReadOnlyList<IReadOnlyList<double?>> clusters, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var rows = clusters.Sum(c => c.Count);
        if (rows == 0)
        {
            return null;
        }

        var rate = Math.Clamp(clusters.Sum(c => c.Sum(v => v ?? 0)) / rows, 0, 1);
        return Wilson(rate, rows / DesignEffect(clusters), confidence);
    }

    /// <summary>The Student t interval for a mean: mean ± t(1-α/2, n-1)·s/√n. Null for fewer than 2 values.</summary>
    public static Interval? StudentT(IReadOnlyList<double> values, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (n < 2)
        {
            return null;
        }

        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        var t = MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, n - 1, 1 - ((1 - confidence) / 2));
        var half = t * Math.Sqrt(variance / n);
        return new Interval { Lower = mean - half, Upper = mean + half };
    }

    /// <summary>
    /// A percentile bootstrap interval that resamples whole clusters with replacement (Efron and Tibshirani 1993,
    /// ch. 13; Field and Welsh 2007 for clusters): with one cluster per datapoint, repeated trials of a datapoint stay
    /// together, so the interval reflects the datapoints, not the trials. A resample on which
    /// <paramref name="statistic"/> is null is skipped. Null for fewer than 2 clusters or when every resample was skipped.
    /// </summary>
    /// <param name="clusters">The clusters, in an order that does not depend on how they arrived (sort them first).</param>
    /// <param name="statistic">The estimate over a resample of clusters.</param>
    /// <param name="seed">Makes the resamples reproducible, on any machine; see <see cref="Seeds.Of"/>.</param>
    /// <param name="resamples">How many resamples to draw.</param>
    /// <param name="confidence">The coverage.</param>
    public static Interval? ClusterBootstrap<T>(
        IReadOnlyList<T> clusters, Func<IReadOnlyList<T>, double?> statistic, int seed, int resamples = DefaultResamples, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(statistic);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (clusters.Count < 2)
        {
            return null;
        }

        var estimates = Resample(clusters, statistic, seed, resamples);
        if (estimates.Count == 0)
        {
            return null;
        }

        estimates.Sort();
        var alpha = 1 - confidence;
        return new Interval { Lower = Quantile(estimates, alpha / 2), Upper = Quantile(estimates, 1 - (alpha / 2)) };
    }

    /// <summary>
    /// The percentile bootstrap interval of the <paramref name="p"/> quantile (Hyndman and Fan type 7) of
    /// <paramref name="sorted"/>: the interval of resampling the values with replacement, drawn in O(1) per resample.
    /// A resample's quantile depends only on two of its order statistics, the k-th and (k+1)-th smallest of n indices
    /// drawn uniformly from [0, n). An index is floor(n·u) for a uniform u and floor keeps order, so the k-th smallest
    /// index is floor(n·U₍ₖ₎), where U₍ₖ₎, the k-th smallest of n uniforms, is Beta(k, n + 1 − k) (David and Nagaraja
    /// 2003, 2.2); the next is U₍ₖ₎ + (1 − U₍ₖ₎)·B with B ~ Beta(1, n − k), the least of the n − k uniforms above it.
    /// The same distribution as drawing n indices per resample, without the n draws. Null for fewer than 2 values.
    /// </summary>
    /// <param name="sorted">The values, ascending.</param>
    /// <param name="p">The quantile, from 0 to 1.</param>
    /// <param name="seed">Makes the resamples reproducible, on any machine; see <see cref="Seeds.Of"/>.</param>
    /// <param name="resamples">How many resamples to draw.</param>
    /// <param name="confidence">The coverage.</param>
    public static Interval? PercentileBootstrap(IReadOnlyList<double> sorted, double p, int seed, int resamples = DefaultResamples, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var n = sorted.Count;
        if (n < 2)
        {
            return null;
        }

        var estimates = PercentileResamples(sorted, p, seed, resamples);
        estimates.Sort();
        var alpha = 1 - confidence;
        return new Interval { Lower = Quantile(estimates, alpha / 2), Upper = Quantile(estimates, 1 - (alpha / 2)) };
    }

    /// <summary>The <paramref name="p"/> quantile of each of <paramref name="resamples"/> resamples of at least 2 sorted values, drawn as <see cref="PercentileBootstrap"/> says.</summary>
    internal static List<double> PercentileResamples(IReadOnlyList<double> sorted, double p, int seed, int resamples)
    {
        var n = sorted.Count;
        var rank = p * (n - 1);
        var below = (int)Math.Floor(rank);
        var above = (int)Math.Ceiling(rank);
        var random = new Xoshiro256StarStar(seed);
        var estimates = new List<double>(resamples);
        for (var b = 0; b < resamples; b++)
        {
            // The (below + 1)-th smallest of n uniforms, then the next one above it.
            var u = Beta.Sample(random, below + 1, n - below);
            var low = sorted[IndexOf(u)];
            var high = above == below ? low : sorted[IndexOf(u + ((1 - u) * Beta.Sample(random, 1, n - above)))];
            estimates.Add(low + ((high - low) * (rank - below)));
        }

        return estimates;

        int IndexOf(double uniform) => Math.Clamp((int)(uniform * n), 0, n - 1);
    }

    /// <summary>The statistic on each of <paramref name="resamples"/> resamples of the clusters, null ones left out.</summary>
    internal static List<double> Resample<T>(IReadOnlyList<T> clusters, Func<IReadOnlyList<T>, double?> statistic, int seed, int resamples)
    {
        // Xoshiro256** is one fixed algorithm (seeded through SplitMix64): the same seed draws the same indices everywhere,
        // unlike System.Random, whose seeded sequence .NET does not promise to keep.
        var random = new Xoshiro256StarStar(seed);
        var resample = new T[clusters.Count];
        var estimates = new List<double>(resamples);
        for (var b = 0; b < resamples; b++)
        {
            for (var i = 0; i < resample.Length; i++)
            {
                resample[i] = clusters[random.Next(clusters.Count)];
            }

            if (statistic(resample) is { } estimate && !double.IsNaN(estimate))
            {
                estimates.Add(estimate);
            }
        }

        return estimates;
    }

    /// <summary>The <paramref name="p"/> quantile of sorted values, interpolating linearly between closest ranks (Hyndman and Fan type 7).</summary>
    internal static double Quantile(IReadOnlyList<double> sorted, double p)
    {
        var rank = p * (sorted.Count - 1);
        var lower = (int)Math.Floor(rank);
        var upper = (int)Math.Ceiling(rank);
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * (rank - lower));
    }
}
