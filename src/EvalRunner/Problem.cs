namespace EvalRunner;

/// <summary>One problem of an input file: where it is and what is wrong.</summary>
internal sealed record Problem
{
    /// <summary>Where the problem is.</summary>
    public required SourceLocation Location { get; init; }

    /// <summary>What is wrong, without the location.</summary>
    public required string Message { get; init; }

    /// <summary>The problem as one line: <c>file:line:column: field: message</c>.</summary>
    public override string ToString() => $"{Location}: {Message}";

    /// <summary>
    /// The problems one per line, at most <see cref="ProblemList.Cap"/>, then "and N more problems" when
    /// <paramref name="total"/> is larger.
    /// </summary>
    public static string Describe(IReadOnlyList<Problem> problems, int total)
    {
        var lines = problems.Take(ProblemList.Cap).Select(p => p.ToString()).ToList();
        if (total > lines.Count)
        {
            lines.Add($"and {total - lines.Count} more problem{(total - lines.Count == 1 ? string.Empty : "s")}");
        }

        return string.Join('\n', lines);
    }
}
