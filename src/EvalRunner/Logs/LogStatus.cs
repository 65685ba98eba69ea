namespace EvalRunner.Logs;

/// <summary>How a generation ended when it was not a complete answer; the row is still evaluated.</summary>
public enum LogStatus
{
    /// <summary>The model stopped at its output token limit (<c>finish_reason: length</c>): the answer is cut.</summary>
    Truncated,

    /// <summary>The model refused (<c>content: null</c> with a <c>refusal</c>); the refusal text is the response.</summary>
    Refused,

    /// <summary>The provider's content filter withheld the answer (<c>finish_reason: content_filter</c>).</summary>
    Filtered,

    /// <summary>
    /// The model was still calling tools when the model config's <c>max_steps</c> model calls were spent: there is no
    /// final answer; the row is still scored, and fails its datapoint.
    /// </summary>
    MaxSteps,
}
