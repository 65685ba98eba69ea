namespace EvalRunner.Reviews;

/// <summary>How a disagreement counts in a kappa.</summary>
internal enum ReviewWeighting
{
    /// <summary>Cohen's kappa: any two different values disagree fully (bool and choices columns).</summary>
    None,

    /// <summary>Weighted kappa with weights (a − b)²: a 1 against a 3 disagrees four times as much as a 1 against a 2 (integer columns).</summary>
    Quadratic,
}
