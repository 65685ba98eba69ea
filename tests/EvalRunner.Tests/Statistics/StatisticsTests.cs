using EvalRunner.Statistics;

namespace EvalRunner.Tests.Statistics;

public sealed class StatisticsTests
{
    // Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison of seven methods.
    // Statistics in Medicine 17, 857-872, Table II, method 3 (Wilson score without continuity correction).
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0, 0.1611)]
    [InlineData(29, 29, 0.8830, 1.0)]
    public void Wilson_matches_the_published_intervals(int successes, int n, double lower, double upper)
    {
        var interval = Intervals.Wilson(successes, n)!;

        Assert.Equal(lower, interval.Lower, 4);
        Assert.Equal(upper, interval.Upper, 4);
    }

    [Fact]
    public void Wilson_has_no_interval_without_trials()
    {
        Assert.Null(Intervals.Wilson(0, 0));
    }

    [Fact]
    public void Student_t_uses_the_t_quantile_with_n_minus_one_degrees_of_freedom()
    {
        // Values 1..10: mean 5.5, s = 3.02765; t(0.975, 9) = 2.2622 (any t table, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.2),
        // so the bounds are 5.5 -/+ 2.262157 * 3.02765 / sqrt(10) = 3.33415 and 7.66585 (computed by hand).
        var interval = Intervals.StudentT([.. Enumerable.Range(1, 10).Select(i => (double)i)])!;

        Assert.Equal(2.2622, MathNet.Numerics.Distributions.StudentT.InvCDF(0, 1, 9, 0.975), 4);
        Assert.Equal(3.33415, interval.Lower, 5);
        Assert.Equal(7.66585, interval.Upper, 5);
        Assert.Null(Intervals.StudentT([1.0]));
    }

    [Fact]
    public void McNemar_exact_is_the_binomial_tail_of_the_discordant_pairs()
    {
        // P(X >= 10 | n = 12, p = 1/2) = (C(12,10) + C(12,11) + C(12,12)) / 2^12 = (66 + 12 + 1) / 4096 = 79/4096.
        Assert.Equal(79.0 / 4096, PairedTests.McNemarExact(worse: 10, better: 2), 12);
        // P(X >= 2 | 12) = 1 - (1 + 12) / 4096.
        Assert.Equal(1 - (13.0 / 4096), PairedTests.McNemarExact(worse: 2, better: 10), 12);
        Assert.Equal(1, PairedTests.McNemarExact(worse: 0, better: 0));
    }

    [Fact]
    public void Holm_adjusts_step_down_and_keeps_the_given_order()
    {
        // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> monotone 0.02, 0.03, 0.06, 0.06
        // (Holm 1979; the same worked example as Wright 1992, "Adjusted P-values for simultaneous inference").
        var adjusted = PairedTests.Holm([0.01, 0.04, 0.03, 0.005]);

        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Select(p => Math.Round(p, 12)));
    }

    [Theory]
    // Chen et al. 2021, eq. 1: pass@k = 1 - C(n-c, k) / C(n, k).
    [InlineData(10, 3, 1, 0.3)]
    [InlineData(10, 3, 5, 1 - (21.0 / 252))]
    [InlineData(10, 0, 5, 0.0)]
    [InlineData(10, 6, 5, 1.0)]
    public void Pass_at_k_is_the_unbiased_estimator_of_Chen_et_al(int n, int c, int k, double expected)
    {
        Assert.Equal(expected, PassAtK.PassAt(n, c, k), 12);
    }

    [Theory]
    // pass^k = C(c, k) / C(n, k): C(3,2)/C(10,2) = 3/45; C(10,5)/C(10,5) = 1; c < k -> 0.
    [InlineData(10, 3, 1, 0.3)]
    [InlineData(10, 3, 2, 3.0 / 45)]
    [InlineData(10, 10, 5, 1.0)]
    [InlineData(10, 3, 4, 0.0)]
    public void Pass_hat_k_is_the_chance_that_all_k_trials_pass(int n, int c, int k, double expected)
    {
        Assert.Equal(expected, PassAtK.PassHat(n, c, k), 12);
    }

    [Fact]
    public void Pass_at_k_rejects_more_draws_than_trials()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.PassAt(3, 1, 4));
    }

    [Fact]
    public void Seeds_are_pinned_and_do_not_depend_on_the_process()
    {
        // SHA-256("abc") = ba7816bf...: its first four bytes little-endian as int32 = 0xBF1678BA = -1089046342.
        Assert.Equal(-1089046342, Seeds.Of("abc"));
        // Parts are joined by U+001F (python: hashlib.sha256("mean(a.b) >= 0.9\x1fgpt".encode())).
        Assert.Equal(532769782, Seeds.Of("mean(a.b) >= 0.9", "gpt"));
        Assert.NotEqual(Seeds.Of("ab", "c"), Seeds.Of("a", "bc"));
    }

    [Fact]
    public void A_bootstrap_with_the_same_seed_gives_the_same_interval_around_the_mean()
    {
        var values = Enumerable.Range(1, 30).Select(i => Math.Round(i * 0.6180339887498949 % 1, 3)).ToArray();

        var first = Intervals.ClusterBootstrap(values, Mean, seed: 42)!;
        var again = Intervals.ClusterBootstrap(values, Mean, seed: 42)!;
        var other = Intervals.ClusterBootstrap(values, Mean, seed: 43)!;

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.True(first.Contains(values.Average()));
        Assert.Null(Intervals.ClusterBootstrap([1.0], Mean, seed: 42));
    }

    [Fact]
    public void A_percentile_bootstrap_draws_the_order_statistic_with_its_exact_distribution()
    {
        // Values 0..100: the 0.9 quantile of a resample is its 91st smallest draw, and that is at most j exactly when at
        // least 91 of the 101 draws are at most j: P = P(Binomial(101, (j + 1) / 101) >= 91). Each empirical CDF value of
        // 20,000 resamples is within 4 of its standard errors of that.
        var values = Enumerable.Range(0, 101).Select(i => (double)i).ToArray();
        const int Resamples = 20_000;

        var drawn = Intervals.PercentileResamples(values, 0.9, seed: 11, Resamples);

        foreach (var j in Enumerable.Range(84, 13))
        {
            var expected = 1 - MathNet.Numerics.Distributions.Binomial.CDF((j + 1) / 101.0, 101, 90);
            var observed = drawn.Count(v => v <= j) / (double)Resamples;
            Assert.InRange(observed, expected - (4 * Math.Sqrt(expected * (1 - expected) / Resamples)) - 1e-9, expected + (4 * Math.Sqrt(expected * (1 - expected) / Resamples)) + 1e-9);
        }
    }

    [Fact]
    public void A_percentile_bootstrap_between_two_ranks_matches_resampling_every_value()
    {
        // p95 of 50 values falls between ranks 46 and 47 (type 7): the drawn quantiles and those of resamples of all 50
        // values have the same distribution; two samples of 20,000 differ by at most 0.0195 (two-sample Kolmogorov-Smirnov,
        // alpha = 0.001) when they do. Both seeded, so the check is the same on every run.
        var values = Enumerable.Range(1, 50).Select(i => Math.Round(Math.Exp(i * 0.6180339887498949 % 1 * 3), 4)).Order().ToArray();
        const int Resamples = 20_000;

        var drawn = Intervals.PercentileResamples(values, 0.95, seed: 5, Resamples).Order().ToArray();
        var resampled = Intervals.Resample(values, resample => Intervals.Quantile([.. resample.Order()], 0.95), seed: 6, Resamples).Order().ToArray();

        var distance = values.Concat(drawn).Distinct().Max(x => Math.Abs(CdfAt(drawn, x) - CdfAt(resampled, x)));
        Assert.InRange(distance, 0, 0.0195);
        var interval = Intervals.PercentileBootstrap(values, 0.95, seed: 5)!;
        Assert.Equal(interval, Intervals.PercentileBootstrap(values, 0.95, seed: 5));
        Assert.True(interval.Contains(Intervals.Quantile(values, 0.95)));
        Assert.Null(Intervals.PercentileBootstrap([1.0], 0.95, seed: 5));

        static double CdfAt(double[] sorted, double x) => (double)sorted.Count(v => v <= x) / sorted.Length;
    }

    [Fact]
    public void A_bootstrap_of_a_large_sample_is_close_to_the_t_interval()
    {
        // 400 values spread evenly over [0, 1) (the golden-ratio sequence): symmetric, so the percentile interval and
        // the t interval estimate the same thing. Tolerance: the Monte Carlo error of a 2.5% quantile from 2000
        // resamples is sqrt(0.025 * 0.975 / 2000) / phi(1.96) = 0.06 standard errors; t(0.975, 399) = 1.966 vs
        // z = 1.960 and the bootstrap's divisor n add under 0.5%. A quarter of a standard error is 4 Monte Carlo SDs.
        var values = Enumerable.Range(1, 400).Select(i => i * 0.6180339887498949 % 1).ToArray();
        var standardError = Math.Sqrt(values.Sum(v => Math.Pow(v - values.Average(), 2)) / 399 / 400);

        var t = Intervals.StudentT(values)!;
        var bootstrap = Intervals.ClusterBootstrap(values, Mean, seed: Seeds.Of("large"))!;

        Assert.InRange(bootstrap.Lower, t.Lower - (0.25 * standardError), t.Lower + (0.25 * standardError));
        Assert.InRange(bootstrap.Upper, t.Upper - (0.25 * standardError), t.Upper + (0.25 * standardError));
    }

    [Fact]
    public void A_cluster_bootstrap_skips_resamples_whose_statistic_is_null()
    {
        double[][] clusters = [[1, 1], [0, 1], [0], [1]];

        // Null whenever the resample holds the cluster [0]: the interval comes from the other resamples only.
        var interval = Intervals.ClusterBootstrap(clusters, c => c.Any(x => x.Length == 1 && x[0] == 0) ? null : c.SelectMany(x => x).Average(), seed: 1)!;

        Assert.True(interval.Lower >= 0.5);
        Assert.Null(Intervals.ClusterBootstrap(clusters, _ => null, seed: 1));
    }

    private static double? Mean(IReadOnlyList<double> values) => values.Average();
}
