using EvalRunner.Evaluators;
using EvalRunner.Thresholds;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;

namespace EvalRunner.Tests.Thresholds;

/// <summary>The interval of a rate over repeated trials, near 0 and 1 and with datapoints that differ.</summary>
public sealed class IntervalCoverageTests
{
    private static readonly Dictionary<string, Column> Columns = new() { ["contains.passed"] = Column.Bool("passed", "") };

    [Fact]
    public void A_repeated_rate_whose_every_trial_passed_has_the_wilson_interval_of_all_its_trials()
    {
        // 20 datapoints x 3 trials, all passed: the trials' intra-class correlation is undefined (no variance at all), so
        // the design effect is 1 and the interval is Wilson for 60 of 60: [60 / (60 + z^2), 1] = [0.93983, 1] (by hand,
        // z = 1.959964). A percentile bootstrap has no spread here and says [1, 1].
        var clusters = Enumerable.Range(0, 20).Select(_ => new double?[] { 1, 1, 1 }).ToArray();
        var rule = Threshold.Parse("lower(rate(contains.passed)) >= 0.999", Columns);

        var estimate = rule.Estimate([.. clusters.SelectMany(c => c)], ColumnType.Bool, seed: 1, clusters);

        Assert.Equal("wilson", estimate.Method);
        Assert.Equal((1.0, 0.93983, 1.0), (estimate.Value!.Value, Math.Round(estimate.Interval!.Lower, 5), estimate.Interval.Upper));
        Assert.False(rule.IsSatisfiedBy(rule.Decided(estimate)));
    }

    [Fact]
    public void A_repeated_rate_shrinks_its_sample_by_the_design_effect_of_its_trials()
    {
        // Datapoints [1,1], [1,1], [0,0], [1,0]: N = 4, M = 8 rows, rate 5/8. One-way ANOVA on the trials (by hand):
        // cluster means 1, 1, 0, 0.5; MSB = 2 (0.375^2 + 0.375^2 + 0.625^2 + 0.125^2) / 3 = 0.458333;
        // MSW = (2 * 0.5 * 0.5) / (8 - 4) = 0.125; n0 = 2; ICC = (MSB - MSW) / (MSB + (n0 - 1) MSW) = 4/7;
        // design effect 1 + (n0 - 1) ICC = 11/7; effective n = 8 / (11/7) = 5.0909; Wilson(0.625, 5.0909) = [0.24924, 0.89324].
        double?[][] clusters = [[1, 1], [1, 1], [0, 0], [0, 1]];
        var rule = Threshold.Parse("rate(contains.passed) >= 0.5", Columns);

        var estimate = rule.Estimate([.. clusters.SelectMany(c => c)], ColumnType.Bool, seed: 1, clusters);

        Assert.Equal("wilson", estimate.Method);
        Assert.Equal((0.625, 0.24924, 0.89324), (estimate.Value!.Value, Math.Round(estimate.Interval!.Lower, 5), Math.Round(estimate.Interval.Upper, 5)));
    }

    [Fact]
    public void Error_rows_count_as_failed_trials_in_the_interval_of_a_repeated_rate()
    {
        // [1, null] is [1, 0] for a rate: the same interval as the hand-computed example above.
        double?[][] clusters = [[1, 1], [1, 1], [0, 0], [null, 1]];
        var rule = Threshold.Parse("rate(contains.passed) >= 0.5", Columns);

        var estimate = rule.Estimate([.. clusters.SelectMany(c => c)], ColumnType.Bool, seed: 1, clusters);

        Assert.Equal((0.625, 0.24924, 0.89324), (estimate.Value!.Value, Math.Round(estimate.Interval!.Lower, 5), Math.Round(estimate.Interval.Upper, 5)));
    }

    [Theory]
    // True rate, intra-class correlation of the datapoints' own rates (0: every datapoint alike).
    [InlineData(0.97, 0.0)]
    [InlineData(0.97, 0.1)]
    [InlineData(0.97, 0.3)]
    [InlineData(0.03, 0.0)]
    [InlineData(0.03, 0.1)]
    [InlineData(0.03, 0.3)]
    [InlineData(0.5, 0.0)]
    [InlineData(0.5, 0.3)]
    [InlineData(0.9, 0.1)]
    [InlineData(0.1, 0.1)]
    public void The_95_percent_interval_of_a_repeated_rate_covers_the_true_rate_near_0_and_1(double rate, double icc)
    {
        // 20 datapoints x 3 trials, 1000 seeded runs. With icc > 0 each datapoint has its own rate, drawn from
        // Beta(rate s, (1 - rate) s) with s = (1 - icc) / icc (mean `rate`, intra-class correlation `icc`). The Wilson
        // interval with the estimated design effect covers 0.95 here within Monte Carlo error (sd 0.007); 0.93 is the bar.
        const int Runs = 1000, Datapoints = 20, Trials = 3;
        var random = new Xoshiro256StarStar(EvalRunner.Statistics.Seeds.Of("coverage", rate.ToString(System.Globalization.CultureInfo.InvariantCulture), icc.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var rule = Threshold.Parse("rate(contains.passed) >= 0.5", Columns);
        var covered = 0;
        for (var run = 0; run < Runs; run++)
        {
            var clusters = new double?[Datapoints][];
            for (var d = 0; d < Datapoints; d++)
            {
                var own = icc == 0 ? rate : Beta.Sample(random, rate * (1 - icc) / icc, (1 - rate) * (1 - icc) / icc);
                clusters[d] = [.. Enumerable.Range(0, Trials).Select(_ => random.NextDouble() < own ? 1.0 : (double?)0.0).Order()];
            }

            var estimate = rule.Estimate([.. clusters.SelectMany(c => c)], ColumnType.Bool, seed: run, clusters);
            covered += estimate.Interval is { } interval && interval.Contains(rate) ? 1 : 0;
        }

        Assert.InRange(covered / (double)Runs, 0.93, 1.0);
    }
}
