namespace EvalRunner.Results;

/// <summary>A datapoint that passed in the baseline and does not in the head, with both responses (cut) for the report.</summary>
internal sealed record DatapointChange
{
    /// <summary>The datapoint's id.</summary>
    public required string DatapointId { get; init; }

    /// <summary>The model config.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>The datapoint's input.</summary>
    public string Input { get; init; } = string.Empty;

    /// <summary>The baseline's response (its first passing trial).</summary>
    public string BaseResponse { get; init; } = string.Empty;

    /// <summary>The head's response (its first trial that did not pass).</summary>
    public string HeadResponse { get; init; } = string.Empty;

    /// <summary>Why the head did not pass: its failed rules, or its error; with repeated trials the first starts with <c>trial N: </c>.</summary>
    public IReadOnlyList<string> HeadProblems { get; init; } = [];
}
