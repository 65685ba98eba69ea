using EvalRunner.Results;

namespace EvalRunner.Cli.View;

/// <summary>A run the page lists: the id the page addresses it by, its folder and its run.json.</summary>
internal sealed record ViewRun
{
    /// <summary>Assigned by the server; the client never sends a path.</summary>
    public required string Id { get; init; }

    public required string Directory { get; init; }

    public required RunResult Run { get; init; }

    /// <summary>The run's results.jsonl, beside its run.json (never a path run.json names: it may have been edited).</summary>
    public string ResultsPath => Path.Combine(Directory, ResultsStore.RowsFile);
}
