using EvalRunner.Statistics;

namespace EvalRunner.Tests.Comparisons;

public sealed class PairedTestsTests
{
    [Fact]
    public void McNemar_exact_is_the_one_sided_binomial_tail_of_the_worse_count()
    {
        // P(X >= 8 | 8, 1/2) = 1/256; P(X >= 3 | 6, 1/2) = (20 + 15 + 6 + 1) / 64.
        Assert.Equal(0.00390625, PairedTests.McNemarExact(8, 0), 12);
        Assert.Equal(1, PairedTests.McNemarExact(0, 0));
        Assert.Equal(42.0 / 64, PairedTests.McNemarExact(3, 3), 12);
    }

    [Fact]
    public void Holm_multiplies_the_sorted_p_values_and_keeps_them_monotone()
    {
        Assert.Equal([0.03, 0.06, 0.06], PairedTests.Holm([0.01, 0.04, 0.03]));
    }

    [Fact]
    public void The_paired_bootstrap_finds_a_clear_drop_and_is_the_same_for_the_same_seed()
    {
        IReadOnlyList<IReadOnlyList<double?>> before = [.. Enumerable.Range(0, 40).Select(_ => (IReadOnlyList<double?>)[1.0])];
        IReadOnlyList<IReadOnlyList<double?>> after = [.. Enumerable.Range(0, 40).Select(i => (IReadOnlyList<double?>)[i < 20 ? 0.0 : 1.0])];
        static double? Mean(IReadOnlyList<double?> values) => values.Average();

        var p = PairedTests.Bootstrap(before, after, Mean, 0, higherIsBetter: true, 500, Seeds.Of("x"));

        Assert.True(p < 0.01, $"p = {p}");
        Assert.Equal(p, PairedTests.Bootstrap(before, after, Mean, 0, higherIsBetter: true, 500, Seeds.Of("x")));
        Assert.True(PairedTests.Bootstrap(before, after, Mean, -0.6, higherIsBetter: true, 500, 1) > 0.5);
    }
}
