using EvalRunner.Evaluators;
using EvalRunner.Thresholds;

namespace EvalRunner.Tests.Thresholds;

public sealed class ThresholdTests
{
    private static readonly Dictionary<string, Column> Columns = new()
    {
        ["contains.passed"] = Column.Bool("passed", ""),
        ["length.words"] = Column.Integer("words", ""),
        ["latency.ms"] = Column.Float("ms", ""),
        ["json.kind"] = Column.Choice("kind", "", "object", "array"),
        ["regex.match"] = Column.String("match", ""),
    };

    [Theory]
    [InlineData("contains.passed == true", true, true)]
    [InlineData("contains.passed == true", false, false)]
    [InlineData("contains.passed != true", false, true)]
    [InlineData("length.words <= 120", 120L, true)]
    [InlineData("length.words <= 120", 121L, false)]
    [InlineData("length.words > 3", 4L, true)]
    [InlineData("json.kind == object", "object", true)]
    [InlineData("json.kind == 'array'", "object", false)]
    [InlineData("regex.match != \"\"", "x", true)]
    public void A_per_datapoint_rule_decides_one_value(string rule, object value, bool expected)
    {
        Assert.Equal(expected, Threshold.Parse(rule, Columns).IsSatisfiedBy(value));
    }

    [Fact]
    public void A_missing_value_never_satisfies_a_rule()
    {
        Assert.False(Threshold.Parse("length.words != 3", Columns).IsSatisfiedBy((object?)null));
    }

    [Fact]
    public void Aggregates_compute_mean_min_max_sum_count_and_percentiles_over_measured_values()
    {
        double?[] values = [100, 200, 300, 400, 500, null];

        double? Compute(string rule) => Threshold.Parse(rule, Columns).Aggregate(values, ColumnType.Float);

        Assert.Equal(300, Compute("mean(latency.ms) < 1"));
        Assert.Equal(100, Compute("min(latency.ms) < 1"));
        Assert.Equal(500, Compute("max(latency.ms) < 1"));
        Assert.Equal(1500, Compute("sum(latency.ms) < 1"));
        Assert.Equal(5, Compute("count(latency.ms) < 1"));
        Assert.Equal(300, Compute("p50(latency.ms) < 1"));
        Assert.Equal(460, Compute("p90(latency.ms) < 1")!.Value, 6);
        Assert.Equal(480, Compute("p95(latency.ms) < 1")!.Value, 6);
    }

    [Fact]
    public void Error_rows_stay_in_the_denominator_of_rates_and_bool_means()
    {
        double?[] values = [1, 1, 1, null];
        var rate = Threshold.Parse("rate(contains.passed) >= 0.9", Columns);
        var mean = Threshold.Parse("mean(contains.passed) >= 75%", Columns);

        Assert.Equal(0.75, rate.Aggregate(values, ColumnType.Bool));
        Assert.False(rate.IsSatisfiedBy(rate.Aggregate(values, ColumnType.Bool)));
        Assert.True(mean.IsSatisfiedBy(mean.Aggregate(values, ColumnType.Bool)));
        Assert.Equal(3, Threshold.Parse("count(contains.passed) >= 1", Columns).Aggregate(values, ColumnType.Bool));
    }

    [Fact]
    public void An_aggregate_with_nothing_measured_fails()
    {
        var rule = Threshold.Parse("p95(latency.ms) <= 2000", Columns);

        Assert.Null(rule.Aggregate([null, null], ColumnType.Float));
        Assert.False(rule.IsSatisfiedBy((double?)null));
    }

    [Theory]
    [InlineData("contains.passed", "is not a rule")]
    [InlineData("median(latency.ms) < 3", "unknown function 'median'")]
    [InlineData("contains.passed < 3", "is a bool column; compare it with == true or == false")]
    [InlineData("json.kind == map", "'map' is not an option of kind")]
    [InlineData("mean(regex.match) > 1", "needs a bool, integer or float column")]
    [InlineData("rate(latency.ms) > 1", "rate() needs a bool column")]
    [InlineData("length.words <= many", "'many' is not a number")]
    [InlineData("lower(count(length.words)) >= 3", "count() has no confidence interval; lower() applies to mean, rate, p50, p90, p95 and p99")]
    [InlineData("upper(max(latency.ms)) <= 3", "max() has no confidence interval; upper() applies to")]
    [InlineData("lower(contains.passed) >= 0.8", "lower() takes an aggregate, not a column: lower(rate(contains.passed))")]
    [InlineData("lower(rate(latency.ms)) > 1", "rate() needs a bool column")]
    [InlineData("lower(rate(contains.passed)) >= baseline - 5%", "lower() compares a bound with a number, not with the baseline")]
    public void A_malformed_rule_says_what_is_wrong(string rule, string message)
    {
        var ex = Assert.Throws<FormatException>(() => Threshold.Parse(rule, Columns));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lower(rate(contains.passed)) >= 0.8", "Lower", "Rate", ">=", 0.8)]
    [InlineData("UPPER( p95(latency.ms) ) <= 2000", "Upper", "P95", "<=", 2000)]
    [InlineData("lower(mean(length.words)) > 90%", "Lower", "Mean", ">", 0.9)]
    public void A_rule_on_a_bound_of_the_interval_is_parsed_with_its_function_column_and_value(string rule, string bound, string function, string op, double value)
    {
        var threshold = Threshold.Parse(rule, Columns);

        Assert.Equal((bound, function, op, value), (threshold.Bound!.Value.ToString(), threshold.Function!.Value.ToString(), threshold.Operator, (double)threshold.Expected));
        Assert.Equal(rule.Trim(), threshold.Text);
        Assert.Null(Threshold.Parse("rate(contains.passed) >= 0.8", Columns).Bound);
    }

    [Fact]
    public void A_rate_has_a_wilson_interval_counting_error_rows_as_trials()
    {
        // 84 true, 14 false and 2 error rows: Wilson for 84 of 100 = [0.7558, 0.8990] (the score interval computed by
        // hand with z = 1.959964: center (p + z^2/2n) / (1 + z^2/n), half z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2)).
        double?[] values = [.. Enumerable.Repeat<double?>(1, 84), .. Enumerable.Repeat<double?>(0, 14), null, null];
        var lower = Threshold.Parse("lower(rate(contains.passed)) >= 0.76", Columns);

        var estimate = lower.Estimate(values, ColumnType.Bool, seed: 1);

        Assert.Equal("wilson", estimate.Method);
        Assert.Equal(0.84, estimate.Value!.Value, 12);
        Assert.Equal(0.7558, estimate.Interval!.Lower, 4);
        Assert.Equal(0.8990, estimate.Interval.Upper, 4);
        Assert.False(lower.IsSatisfiedBy(lower.Decided(estimate)));
        var upper = Threshold.Parse("upper(mean(contains.passed)) >= 0.89", Columns);
        Assert.True(upper.IsSatisfiedBy(upper.Decided(upper.Estimate(values, ColumnType.Bool, seed: 1))));
    }

    [Fact]
    public void A_mean_of_numbers_has_a_t_interval_and_a_percentile_a_bootstrap_one()
    {
        double?[] values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, null];

        var mean = Threshold.Parse("mean(length.words) > 1", Columns).Estimate(values, ColumnType.Integer, seed: 1);
        var p90 = Threshold.Parse("p90(latency.ms) < 1", Columns).Estimate(values, ColumnType.Float, seed: 1);
        var max = Threshold.Parse("max(latency.ms) < 1", Columns).Estimate(values, ColumnType.Float, seed: 1);

        // t(0.975, 9) = 2.2622 around 5.5 with s = 3.02765 (see StatisticsTests).
        Assert.Equal(("t", 3.33415, 7.66585), (mean.Method, Math.Round(mean.Interval!.Lower, 5), Math.Round(mean.Interval.Upper, 5)));
        Assert.Equal("bootstrap", p90.Method);
        Assert.True(p90.Interval!.Contains(p90.Value!.Value));
        Assert.InRange(p90.Interval.Lower, 1, 10);
        Assert.Equal((9.1, (string?)null, (EvalRunner.Statistics.Interval?)null), (p90.Value!.Value, max.Method, max.Interval));
    }

    [Fact]
    public void A_bound_that_cannot_be_computed_fails_its_rule()
    {
        var rule = Threshold.Parse("upper(p95(latency.ms)) <= 2000", Columns);

        var estimate = rule.Estimate([120, null], ColumnType.Float, seed: 1);

        Assert.Equal(120, estimate.Value);
        Assert.Null(estimate.Interval);
        Assert.False(rule.IsSatisfiedBy(rule.Decided(estimate)));
    }
}
