using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Reports;

/// <summary>One suite's decided run and where its rows are: what every report reads.</summary>
internal sealed record RunReport
{
    /// <summary>The run (run.json).</summary>
    public required RunResult Run { get; init; }

    /// <summary>The directory holding run.json and results.jsonl.</summary>
    public required string Directory { get; init; }

    /// <summary>Every row, read from results.jsonl as it is enumerated (only those of <see cref="Includes"/> when set).</summary>
    public IEnumerable<Row> Rows => Includes is null ? ResultsStore.ReadRows(Directory, Run.Results) : ResultsStore.ReadRows(Directory, Run.Results).Where(Includes);

    /// <summary>The rows this report covers, when it covers a part of the run (<see cref="Since"/>); null for all.</summary>
    public Func<Row, bool>? Includes { get; init; }

    /// <summary>
    /// The report of the rows whose log is at most <paramref name="window"/> old at <paramref name="now"/> (the log's
    /// timestamp, else when the watcher evaluated it; rows with neither are left out), decided again by the suite's
    /// thresholds, as if the run had held just those rows. The suite is read again from the run's suite file.
    /// </summary>
    /// <exception cref="SuiteException">The run's suite file cannot be read any more.</exception>
    /// <param name="window">How far back from <paramref name="now"/>.</param>
    /// <param name="now">The end of the window.</param>
    /// <param name="settings">Settings to read the suite with.</param>
    public RunReport Since(TimeSpan window, DateTimeOffset now, Settings settings)
    {
        var from = now - window;
        var suite = Suites.SuiteLoader.Load(Run.SuitePath, settings);
        bool Within(Row row) => (row.Log.Timestamp ?? row.EvaluatedAt) is { } at && at >= from && at <= now;
        var tally = new RunTally(suite);
        foreach (var row in ResultsStore.ReadRows(Directory, Run.Results).Where(Within))
        {
            tally.Add(row);
        }

        var run = tally.Decide(stopped: null, cancelled: false) with
        {
            StartedAt = from,
            FinishedAt = now,
            OutputDirectory = Run.OutputDirectory,
            Results = Run.Results,
            Warnings = [.. Run.Warnings, $"this report covers the logs from {from:yyyy-MM-dd HH:mm:ss} to {now:yyyy-MM-dd HH:mm:ss} UTC"],
        };
        return this with { Run = run, Includes = Within };
    }

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
