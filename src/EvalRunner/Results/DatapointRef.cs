namespace EvalRunner.Results;

/// <summary>A datapoint of a model config: fixed, new or removed.</summary>
internal sealed record DatapointRef
{
    /// <summary>The datapoint's id.</summary>
    public required string DatapointId { get; init; }

    /// <summary>The model config.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>For a new datapoint, whether it passed in the head run (as the run decides it); null otherwise.</summary>
    public bool? Passed { get; init; }
}
