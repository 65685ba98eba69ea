namespace EvalRunner.GitHub;

/// <summary>How results are reported on GitHub.</summary>
internal sealed record GitHubOptions
{
    /// <summary>The name of the artifact the Action uploads the results directory as.</summary>
    public const string ResultsArtifact = "evalrunner-results";

    /// <summary><c>update</c> (one comment per suite, edited in place; the default), <c>new</c> (a new comment each time) or <c>off</c>.</summary>
    public string Comment { get; init; } = "update";

    /// <summary>
    /// The login whose comments are edited in place (an app's installation token, which cannot call <c>GET /user</c>,
    /// names its bot here); null: the variable <c>EVALRUNNER_COMMENT_AUTHOR</c>, else the token's user from
    /// <c>GET /user</c>, else <c>github-actions[bot]</c> (the workflow's token).
    /// </summary>
    public string? CommentAuthor { get; init; }

    /// <summary>
    /// Tries per GitHub request when GitHub is unreachable, answers 5xx or a rate limit; null: the variable
    /// <c>EVALRUNNER_GITHUB_TRIES</c>, else 3.
    /// </summary>
    public int? Tries { get; init; }

    /// <summary>Where the full report is, for the line that says something was cut.</summary>
    public string FullReport { get; init; } = $"the {ResultsArtifact} artifact of this workflow run (summary.md and report.html)";

    /// <summary>The results directory, written to the <c>results-dir</c> output.</summary>
    public string ResultsDirectory { get; init; } = ".";

    /// <summary>The summary file, written to the <c>summary-path</c> output.</summary>
    public string? SummaryPath { get; init; }
}
