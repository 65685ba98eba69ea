namespace EvalRunner.GitHub;

/// <summary>How results are reported on GitHub.</summary>
internal sealed record GitHubOptions
{
    /// <summary><c>update</c> (one comment per suite, edited in place; the default), <c>new</c> (a new comment each time) or <c>off</c>.</summary>
    public string Comment { get; init; } = "update";

    /// <summary>Where the full report is, for the line that says something was cut.</summary>
    public string FullReport { get; init; } = "the workflow's artifacts";

    /// <summary>The results directory, written to the <c>results-dir</c> output.</summary>
    public string ResultsDirectory { get; init; } = ".";

    /// <summary>The summary file, written to the <c>summary-path</c> output.</summary>
    public string? SummaryPath { get; init; }
}
