namespace EvalRunner.GitHub;

/// <summary>How a search for a baseline ended.</summary>
internal enum BaselineOutcome
{
    /// <summary>A baseline was downloaded and extracted.</summary>
    Found,

    /// <summary>There is none to take (not a pull request, no successful run, only expired artifacts).</summary>
    None,

    /// <summary>GitHub failed, refused or could not be asked (unreachable, 5xx, rate limit, a token without <c>actions: read</c>).</summary>
    Unavailable,
}
