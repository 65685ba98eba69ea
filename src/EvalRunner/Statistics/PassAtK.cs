namespace EvalRunner.Statistics;

/// <summary>Estimators over <c>n</c> trials of one datapoint of which <c>c</c> passed.</summary>
internal static class PassAtK
{
    /// <summary>
    /// pass@k: the chance that at least one of <paramref name="k"/> trials drawn without replacement from the
    /// <paramref name="n"/> passes, <c>1 - C(n-c, k) / C(n, k)</c>, the unbiased estimator of Chen et al. 2021
    /// ("Evaluating Large Language Models Trained on Code", eq. 1), computed as a product so large n do not overflow.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 &lt;= c &lt;= n and 1 &lt;= k &lt;= n.</exception>
    public static double PassAt(int n, int c, int k)
    {
        Check(n, c, k);
        if (n - c < k)
        {
            return 1;
        }

        // C(n-c, k) / C(n, k) = prod_{i = n-c+1}^{n} (1 - k / i)
        var allFail = 1.0;
        for (var i = n - c + 1; i <= n; i++)
        {
            allFail *= 1 - ((double)k / i);
        }

        return 1 - allFail;
    }

    /// <summary>
    /// pass^k: the chance that all of <paramref name="k"/> trials drawn without replacement from the
    /// <paramref name="n"/> pass, <c>C(c, k) / C(n, k)</c> (the unbiased estimator of Yao et al. 2024, tau-bench).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 &lt;= c &lt;= n and 1 &lt;= k &lt;= n.</exception>
    public static double PassHat(int n, int c, int k)
    {
        Check(n, c, k);
        if (c < k)
        {
            return 0;
        }

        // C(c, k) / C(n, k) = prod_{i = 0}^{k-1} (c - i) / (n - i)
        var allPass = 1.0;
        for (var i = 0; i < k; i++)
        {
            allPass *= (double)(c - i) / (n - i);
        }

        return allPass;
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
