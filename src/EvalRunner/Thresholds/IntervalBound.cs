namespace EvalRunner.Thresholds;

/// <summary>Which end of an aggregate's confidence interval a rule decides on: <c>lower(rate(x)) &gt;= 0.8</c>.</summary>
internal enum IntervalBound
{
    /// <summary><c>lower(...)</c>: the lower bound.</summary>
    Lower,

    /// <summary><c>upper(...)</c>: the upper bound.</summary>
    Upper,
}
