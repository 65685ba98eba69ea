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
    public IEnumerable<Row> Rows => Includes is null ? AllRows() : AllRows().Where(Includes);

    /// <summary>
    /// The results folders whose rows this report joins (<c>report DIR1 DIR2</c> over the watchers of one suite's
    /// shards), in order: a row whose log id, model config and trial an earlier folder has is left out. Empty for the
    /// one folder <see cref="Directory"/>.
    /// </summary>
    public IReadOnlyList<string> Joined { get; init; } = [];

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
        foreach (var row in AllRows().Where(Within))
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
    /// The runs in several results directories (<c>report DIR1 DIR2 ...</c>): the runs of one suite (by its folder name)
    /// found in several of them are joined into one report, its rows the union of theirs and its verdict and aggregates
    /// decided over all of them by the suite's thresholds, read again from the suite file, as <c>evalrunner merge</c>
    /// decides shards. A log id in two folders' rows is said in a warning and counted once; shards that do not make a
    /// whole (one missing or given twice, or of different counts) make the verdict an error naming them.
    /// </summary>
    /// <exception cref="FileNotFoundException">A directory holds no run.json.</exception>
    /// <exception cref="SuiteException">The suite file of runs to join cannot be read.</exception>
    public static async Task<IReadOnlyList<RunReport>> ReadAllAsync(IReadOnlyList<string> directories, Settings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directories);
        var groups = new List<List<RunReport>>();
        foreach (var directory in directories)
        {
            foreach (var report in await ReadAllAsync(directory, cancellationToken).ConfigureAwait(false))
            {
                var name = ResultsStore.FolderName(report.Run.Suite);
                if (groups.FirstOrDefault(g => ResultsStore.FolderName(g[0].Run.Suite) == name) is { } group)
                {
                    group.Add(report);
                }
                else
                {
                    groups.Add([report]);
                }
            }
        }

        return [.. groups.Select(g => g.Count == 1 ? g[0] : Join(g, settings))];
    }

    /// <summary>One report over the rows of several results folders of one suite.</summary>
    private static RunReport Join(List<RunReport> parts, Settings settings)
    {
        var first = parts[0];
        var suite = Suites.SuiteLoader.Load(first.Run.SuitePath, settings);
        var joined = first with { Joined = [.. parts.Select(p => p.Directory)], Includes = null };
        var tally = new RunTally(suite);
        var owner = new Dictionary<(string, string, int), string>();
        var twice = new List<string>();
        foreach (var part in parts)
        {
            foreach (var row in ResultsStore.ReadRows(part.Directory, part.Run.Results))
            {
                var key = (row.DatapointId, row.ModelConfig, row.Trial);
                if (owner.TryGetValue(key, out var other))
                {
                    twice.Add($"'{row.DatapointId}' in {other} and {part.Directory}");
                    continue;
                }

                owner[key] = part.Directory;
                tally.Add(row);
            }
        }

        var problems = ShardProblems(parts);
        var folders = string.Join(", ", parts.Select(p => p.Run.Shard is { } shard ? $"{p.Directory} (shard {shard})" : p.Directory));
        List<string> warnings = [.. parts.SelectMany(p => p.Run.Warnings).Distinct(StringComparer.Ordinal), $"this report joins the rows of {parts.Count} results folders: {folders}"];
        if (twice.Count > 0)
        {
            warnings.Add($"{twice.Count} log {(twice.Count == 1 ? "id is" : "ids are")} in the results of two watchers, counted once from the first folder given: {string.Join("; ", twice.Take(3))}{(twice.Count > 3 ? "; ..." : string.Empty)}");
        }

        var counts = parts.Select(p => p.Run.Shard?.Count).Distinct().ToList();
        var run = tally.Decide(stopped: null, cancelled: false) with
        {
            StartedAt = parts.Min(p => p.Run.StartedAt),
            FinishedAt = parts.Max(p => p.Run.FinishedAt),
            OutputDirectory = first.Run.OutputDirectory,
            Results = first.Run.Results,
            Warnings = warnings,
            SuiteHash = first.Run.SuiteHash,
            SuiteParts = first.Run.SuiteParts,
            Source = first.Run.Source,
            MergedShards = counts is [int count] ? count : null,
        };
        if (problems.Count > 0)
        {
            List<VerdictReason> reasons = [
                .. problems.Select(p => new VerdictReason { Kind = VerdictReasonKind.Shards, Message = p }),
                .. run.Reasons.Where(r => r.Kind is not (VerdictReasonKind.Passed or VerdictReasonKind.EmptyShard)),
            ];
            run = run.WithVerdict(Verdict.Error, reasons);
        }

        return joined with { Run = run };
    }

    /// <summary>Why the shards of the runs joined do not make one whole: each said once; none when no run is a shard.</summary>
    private static List<string> ShardProblems(List<RunReport> parts)
    {
        var problems = new List<string>();
        if (parts.All(p => p.Run.Shard is null))
        {
            return problems;
        }

        var count = parts.First(p => p.Run.Shard is not null).Run.Shard!.Count;
        var taken = new Dictionary<int, string>();
        foreach (var part in parts)
        {
            if (part.Run.Shard is not { } shard)
            {
                problems.Add($"{part.Directory} watched all the logs, not a shard (the others are shards of {count}); its rows may repeat theirs");
            }
            else if (shard.Count != count)
            {
                problems.Add($"{part.Directory} is shard {shard}, the others are of {count} shards");
            }
            else if (!taken.TryAdd(shard.Index, part.Directory))
            {
                problems.Add($"shard {shard} is given twice, in {taken[shard.Index]} and {part.Directory}");
            }
        }

        problems.AddRange(Enumerable.Range(1, count).Where(i => !taken.ContainsKey(i)).Select(i => $"shard {i}/{count} is missing: no results folder for it was given, so its logs are not in this report"));
        return problems;
    }

    /// <summary>The rows of <see cref="Directory"/>, or of every folder <see cref="Joined"/>, each log once.</summary>
    private IEnumerable<Row> AllRows()
    {
        if (Joined.Count == 0)
        {
            foreach (var row in ResultsStore.ReadRows(Directory, Run.Results))
            {
                yield return row;
            }

            yield break;
        }

        var seen = new HashSet<(string, string, int)>();
        foreach (var folder in Joined)
        {
            foreach (var row in ResultsStore.ReadRows(folder, Run.Results))
            {
                if (seen.Add((row.DatapointId, row.ModelConfig, row.Trial)))
                {
                    yield return row;
                }
            }
        }
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
