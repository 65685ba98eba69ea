namespace EvalRunner.Evaluators;

/// <summary>What a column without a value means for one datapoint.</summary>
public enum MissingValue
{
    /// <summary>The evaluator failed: the row is an error. The default for every column an evaluator computes.</summary>
    Error,

    /// <summary>Allowed, and every threshold on the column fails for that datapoint (counted as false in rates).</summary>
    Fail,

    /// <summary>Allowed, and thresholds on the column skip that datapoint (left out of aggregates).</summary>
    Skip,
}
