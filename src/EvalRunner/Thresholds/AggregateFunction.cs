namespace EvalRunner.Thresholds;

/// <summary>How an aggregate threshold folds one column over all rows of a model config.</summary>
internal enum AggregateFunction
{
    /// <summary>Average. For a bool column, the share of all rows that are true (error rows count as false).</summary>
    Mean,

    /// <summary>Smallest value.</summary>
    Min,

    /// <summary>Largest value.</summary>
    Max,

    /// <summary>Total.</summary>
    Sum,

    /// <summary>For a bool column the number of rows that are true; otherwise the number of rows with a value.</summary>
    Count,

    /// <summary>Share of all rows whose bool column is true; error rows count as false.</summary>
    Rate,

    /// <summary>Median (linear interpolation between closest ranks).</summary>
    P50,

    /// <summary>90th percentile.</summary>
    P90,

    /// <summary>95th percentile.</summary>
    P95,

    /// <summary>99th percentile.</summary>
    P99,
}
