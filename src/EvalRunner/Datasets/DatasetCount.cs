namespace EvalRunner.Datasets;

/// <summary>What a run of a dataset holds: datapoints, and how many of them bring their response (logs generated elsewhere).</summary>
internal readonly record struct DatasetCount(int Datapoints, int Supplied)
{
    /// <summary>The rows a run makes: one per model config for each datapoint it generates, one per supplied response.</summary>
    public int Rows(int models) => ((Datapoints - Supplied) * models) + Supplied;
}
