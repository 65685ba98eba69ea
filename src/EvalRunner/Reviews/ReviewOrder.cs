namespace EvalRunner.Reviews;

/// <summary>Which rows of a run a reviewer sees, in which order.</summary>
internal enum ReviewOrder
{
    /// <summary>Failing and erroring rows first, then the others, each by datapoint id and model config.</summary>
    FailingFirst,

    /// <summary>A random sample of <see cref="ReviewQueueOptions.Count"/> rows, the same for the same seed.</summary>
    Sample,

    /// <summary>The rows where the judges' rules and the other rules disagree, by datapoint id and model config.</summary>
    Disagreement,
}
