namespace EvalRunner.Yaml;

/// <summary>A file a suite reads besides itself: a dataset, a Python file, a scores or schema file.</summary>
internal sealed record SuiteFile
{
    /// <summary>The suite's key that names it (<c>dataset</c>, <c>evaluators[2].file</c>).</summary>
    public required string Field { get; init; }

    /// <summary>The file's full path.</summary>
    public required string Path { get; init; }
}
