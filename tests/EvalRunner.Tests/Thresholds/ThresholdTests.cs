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
    public void A_malformed_rule_says_what_is_wrong(string rule, string message)
    {
        var ex = Assert.Throws<FormatException>(() => Threshold.Parse(rule, Columns));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
