using EvalRunner.Runs;

namespace EvalRunner.Reports;

/// <summary>One suite's decided run and where its rows are: what every report reads.</summary>
internal sealed record RunReport
{
    /// <summary>The run (run.json).</summary>
    public required RunResult Run { get; init; }

    /// <summary>The directory holding run.json and results.jsonl.</summary>
    public required string Directory { get; init; }

    /// <summary>Every row, read from results.jsonl as it is enumerated.</summary>
    public IEnumerable<Row> Rows => ResultsStore.ReadRows(Directory, Run.Results);

    /// <summary>
    /// The runs in a results directory: the directory itself when it holds a run.json, else each subdirectory that
    /// does (the CLI writes one per suite), ordered by suite name.
    /// </summary>
    /// <exception cref="FileNotFoundException">No run.json was found.</exception>
    public static async Task<IReadOnlyList<RunReport>> ReadAllAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var folders = ResultsStore.FindRuns(directory);
        if (folders.Count == 0)
        {
            throw new FileNotFoundException($"no run.json in {directory} or its subdirectories; run `evalrunner run` or `dotnet test` first", directory);
        }

        var reports = new List<RunReport>();
        foreach (var folder in folders)
        {
            reports.Add(new RunReport { Run = await ResultsStore.ReadRunAsync(folder, cancellationToken).ConfigureAwait(false), Directory = folder });
        }

        return reports;
    }
}
