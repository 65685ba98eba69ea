namespace EvalRunner.Suites;

/// <summary>A suite file is malformed or refers to something that does not exist; <see cref="Location"/> names file, line and column.</summary>
public sealed class SuiteException(SourceLocation location, string message, Exception? innerException = null)
    : EvalRunnerException($"{location}: {message}", innerException)
{
    /// <summary>Where the problem is.</summary>
    public SourceLocation Location { get; } = location;
}
