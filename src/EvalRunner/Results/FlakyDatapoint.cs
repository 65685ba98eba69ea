namespace EvalRunner.Results;

/// <summary>A datapoint of a repeated run whose trials passed some of the time: how many passed of how many measured.</summary>
internal sealed record FlakyDatapoint
{
    /// <summary>The datapoint's id.</summary>
    public required string Id { get; init; }

    /// <summary>The model config.</summary>
    public required string ModelConfig { get; init; }

    /// <summary>Trials that passed.</summary>
    public int Passed { get; init; }

    /// <summary>Trials measured (passed, failed or errored).</summary>
    public int Trials { get; init; }

    /// <summary>Whether the datapoint met <c>run.min_passes</c> all the same.</summary>
    public bool Met { get; init; }
}
