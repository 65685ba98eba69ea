namespace EvalRunner.Datasets;

/// <summary>One entry of a suite's <c>dataset:</c>: a file with its format and field mapping, or datapoints written inline.</summary>
internal sealed record DatasetSource
{
    /// <summary>The file, relative to where the command runs when it is under it; null for inline datapoints.</summary>
    public string? Path { get; init; }

    /// <summary>How the file is read.</summary>
    public DatasetFormat Format { get; init; }

    /// <summary>How the file's columns or fields become a datapoint's; null when they already have its field names.</summary>
    public FieldMap? Fields { get; init; }

    /// <summary>Datapoints written in the suite itself; used when <see cref="Path"/> is null.</summary>
    public IReadOnlyList<Datapoint> Inline { get; init; } = [];

    /// <summary>The format a file's extension implies; null for an extension no dataset has.</summary>
    public static DatasetFormat? FormatOf(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jsonl" or ".ndjson" => DatasetFormat.Jsonl,
        ".json" => DatasetFormat.Json,
        ".yaml" or ".yml" => DatasetFormat.Yaml,
        ".csv" => DatasetFormat.Csv,
        _ => null,
    };
}
