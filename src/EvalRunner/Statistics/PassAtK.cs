namespace EvalRunner.Statistics;

/// <summary>
/// The unbiased estimators of pass@k (at least one of k trials passes) and pass^k (all k trials pass) from n trials of
/// which c passed (Chen et al. 2021, "Evaluating Large Language Models Trained on Code"; Yao et al. 2024, τ-bench).
/// </summary>
internal static class PassAtK
{
    /// <summary>pass@k = 1 − C(n−c, k) / C(n, k): the chance that k trials drawn from the n have at least one pass.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1, c outside 0..n, or k outside 1..n.</exception>
    public static double PassAt(int n, int c, int k)
    {
        Check(n, c, k);
        if (n - c < k)
        {
            return 1.0;
        }

        // 1 − Π_{i=n−c+1..n} (1 − k / i), stable for large n.
        var product = 1.0;
        for (var i = n - c + 1; i <= n; i++)
        {
            product *= 1.0 - ((double)k / i);
        }

        return 1.0 - product;
    }

    /// <summary>pass^k = C(c, k) / C(n, k): the chance that k trials drawn from the n all pass.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1, c outside 0..n, or k outside 1..n.</exception>
    public static double PassHat(int n, int c, int k)
    {
        Check(n, c, k);
        if (c < k)
        {
            return 0.0;
        }

        // Π_{i=0..k−1} (c − i) / (n − i)
        var product = 1.0;
        for (var i = 0; i < k; i++)
        {
            product *= (double)(c - i) / (n - i);
        }

        return product;
    }

    private static void Check(int n, int c, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(c, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
    }
}
