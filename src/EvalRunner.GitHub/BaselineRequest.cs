namespace EvalRunner.GitHub;

/// <summary>What <see cref="BaselineArtifact"/> looks for, and where it puts it.</summary>
internal sealed record BaselineRequest
{
    /// <summary>The folder the baseline is extracted into: new, or empty. It exists afterwards only when a baseline was found.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>The branch whose latest successful run is the baseline; null: the pull request's base branch (<c>GITHUB_BASE_REF</c>).</summary>
    public string? Branch { get; init; }

    /// <summary>The workflow file whose runs are searched (<c>evals.yml</c>); null: this run's own, from <c>GITHUB_WORKFLOW_REF</c>.</summary>
    public string? Workflow { get; init; }

    /// <summary>The artifact's name.</summary>
    public string Artifact { get; init; } = GitHubOptions.ResultsArtifact;

    /// <summary>How many successful runs, newest first, are looked at for an artifact that has not expired.</summary>
    public int MaxRuns { get; init; } = 10;

    /// <summary>What an artifact may unpack to.</summary>
    public ArtifactZipLimits Limits { get; init; } = new();
}
