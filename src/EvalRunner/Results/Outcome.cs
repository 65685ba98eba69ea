namespace EvalRunner.Results;

/// <summary>How one row (datapoint × model config) ended.</summary>
public enum Outcome
{
    /// <summary>Generated, evaluated, and every per-datapoint threshold held.</summary>
    Pass,

    /// <summary>Generated and evaluated, and a per-datapoint threshold failed.</summary>
    Fail,

    /// <summary>The generation or an evaluator failed: nothing trustworthy was measured. Never counted as a pass.</summary>
    Error,
}
