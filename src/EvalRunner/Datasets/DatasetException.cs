namespace EvalRunner.Datasets;

/// <summary>A dataset file or datapoint is malformed; <see cref="Location"/> names the file, line and field.</summary>
public sealed class DatasetException(SourceLocation location, string message, Exception? innerException = null)
    : EvalRunnerException($"{location}: {message}", innerException)
{
    /// <summary>Where the problem is.</summary>
    public SourceLocation Location { get; } = location;
}
