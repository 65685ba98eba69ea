namespace EvalRunner.Testing;

/// <summary>A workflow run the GitHub-API-shaped test server lists (seeded with <see cref="FakeGitHubServer.AddWorkflowRun"/>).</summary>
public sealed record FakeWorkflowRun
{
    /// <summary>The workflow's file name, as in <c>.github/workflows/evals.yml</c>.</summary>
    public required string Workflow { get; init; }

    /// <summary>The run's <c>head_branch</c>.</summary>
    public required string Branch { get; init; }

    public required string HeadSha { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary><c>success</c>, <c>failure</c>, <c>cancelled</c>…</summary>
    public string Conclusion { get; init; } = "success";

    /// <summary>The event that started the run.</summary>
    public string Event { get; init; } = "push";

    /// <summary>The repository the run's commit comes from (<c>owner/name</c>); null: the repository itself.</summary>
    public string? HeadRepository { get; init; }
}
