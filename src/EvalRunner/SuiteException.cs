namespace EvalRunner;

/// <summary>
/// A suite file is malformed or refers to something that does not exist; <see cref="Location"/> names file, line and
/// column. When a suite has several problems, the message lists each on its own line and <see cref="Location"/> is the
/// first one's.
/// </summary>
public sealed class SuiteException : EvalRunnerException
{
    /// <summary>A problem at <paramref name="location"/>.</summary>
    public SuiteException(SourceLocation location, string message, Exception? innerException = null)
        : base($"{location}: {message}", innerException)
    {
        Location = location;
        Problems = [new Problem { Location = location, Message = message }];
        Total = 1;
    }

    internal SuiteException(IReadOnlyList<Problem> problems, int total)
        : base(Problem.Describe(problems, total))
    {
        Location = problems[0].Location;
        Problems = problems;
        Total = total;
    }

    /// <summary>Where the (first) problem is.</summary>
    public SourceLocation Location { get; }

    /// <summary>The problems, at most <see cref="ProblemList.Cap"/>.</summary>
    internal IReadOnlyList<Problem> Problems { get; }

    /// <summary>How many problems there were, also those past the cap.</summary>
    internal int Total { get; }

    /// <summary>What is wrong at <see cref="Location"/>, without the location.</summary>
    internal string Detail => Problems[0].Message;
}
