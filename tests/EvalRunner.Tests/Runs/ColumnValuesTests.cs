using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Tests.Runs;

/// <summary>The compact per-row numbers an aggregate reads: every value back exactly, missing ones as null.</summary>
public sealed class ColumnValuesTests
{
    [Fact]
    public void Every_value_comes_back_exactly_across_chunks_with_missing_values_as_null()
    {
        var values = new ColumnValues();
        double?[] special = [null, double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue, 0.1 + 0.2];
        var expected = new List<double?>();
        for (var i = 0; i < 20_000; i++)
        {
            double? value = i < special.Length ? special[i] : i % 7 == 0 ? null : i / 3.0;
            values.Add(value);
            expected.Add(value);
        }

        Assert.Equal(expected.Count, values.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].HasValue, values[i].HasValue);
            if (expected[i] is { } value)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(values[i]!.Value));
            }
        }

        Assert.Equal(expected.Count(v => v is null), values.Count(v => v is null));
        Assert.Throws<ArgumentOutOfRangeException>(() => values[expected.Count]);
    }
}
