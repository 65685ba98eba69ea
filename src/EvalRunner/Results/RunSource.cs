namespace EvalRunner.Results;

/// <summary>The code a run measured: its commit and branch (<c>source</c> in run.json).</summary>
internal sealed record RunSource
{
    /// <summary>The commit SHA; null when not known.</summary>
    public string? Commit { get; init; }

    /// <summary>The branch; null when not known (a detached head).</summary>
    public string? Branch { get; init; }
}
