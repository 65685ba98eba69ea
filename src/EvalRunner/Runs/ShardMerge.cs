using System.Text;
using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Suites;

namespace EvalRunner.Runs;

/// <summary>
/// <c>evalrunner merge</c>: joins the results of a suite's shards (<c>run --shard I/N</c>, each its own results folder)
/// into one run, decided as the whole run would have been: every row goes through the same <see cref="RunTally"/>
/// (thresholds, aggregates, trials, verdict) and the same baseline comparison. A shard that is missing, failed, or does
/// not belong with the others makes the merged verdict an error naming it; the rows there are are still merged.
/// </summary>
internal static class ShardMerge
{
    /// <summary>One shard's folder of one suite, with its run.json when it has one.</summary>
    private sealed record Part(string Folder, RunResult? Run, string? Unreadable);

    /// <summary>
    /// Merges each suite found in <paramref name="directories"/> (results folders as <c>run --out</c> writes them, or
    /// one suite's folder) into <c>OUT/&lt;suite&gt;/</c>. Suites are paired by their folder name.
    /// </summary>
    /// <returns>The merged runs, by folder name; and the folders that could not be merged at all, each with why.</returns>
    /// <exception cref="ShardMergeException">A folder does not exist, or is the output folder, or no folder holds a shard's results.</exception>
    /// <exception cref="SuiteException">The suite file the shards recorded cannot be read.</exception>
    /// <exception cref="ResultsWriteException">The merged files cannot be written.</exception>
    public static async Task<(IReadOnlyList<RunResult> Runs, IReadOnlyList<string> Unmerged)> MergeAsync(
        IReadOnlyList<string> directories, string outDirectory, string? baseline, Settings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        var groups = new SortedDictionary<string, List<Part>>(StringComparer.Ordinal);
        var output = Path.GetFullPath(outDirectory);
        foreach (var directory in directories)
        {
            if (!Directory.Exists(directory))
            {
                throw new ShardMergeException($"{directory}: no such directory; give each shard's results folder (--out of `evalrunner run --shard I/N`)");
            }

            if (string.Equals(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar), output.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            {
                throw new ShardMergeException($"{directory}: the shards' folders and --out must differ: the merged run would replace a shard's files");
            }

            if (File.Exists(Path.Combine(directory, ResultsStore.RunFile)))
            {
                var part = await ReadAsync(directory, cancellationToken).ConfigureAwait(false);
                Add(part.Run is { } run ? ResultsStore.FolderName(run.Suite) : Path.GetFileName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar)), part);
                continue;
            }

            foreach (var folder in Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
            {
                if (File.Exists(Path.Combine(folder, ResultsStore.RunFile)))
                {
                    Add(Path.GetFileName(folder), await ReadAsync(folder, cancellationToken).ConfigureAwait(false));
                }
                else if (File.Exists(Path.Combine(folder, ResultsStore.RowsFile)) || File.Exists(Path.Combine(folder, SuiteFingerprint.File)))
                {
                    // A shard's run that started and never finished: its rows are kept, its shard is not known.
                    Add(Path.GetFileName(folder), new Part(folder, null, null));
                }
            }
        }

        if (groups.Count == 0)
        {
            throw new ShardMergeException($"no shard's results in {string.Join(", ", directories)}: each folder should hold DIR/<suite>/run.json and results.jsonl as `evalrunner run --shard I/N --out DIR` writes them");
        }

        var merged = new List<RunResult>();
        var unmerged = new List<string>();
        foreach (var (name, parts) in groups)
        {
            if ((parts.FirstOrDefault(p => p.Run?.Shard is not null) ?? parts.FirstOrDefault(p => p.Run is not null)) is not { Run: { } first })
            {
                unmerged.Add($"suite folder '{name}': no shard has a run.json ({string.Join(", ", parts.Select(p => p.Folder))}), so its suite is not known; nothing was merged for it");
                continue;
            }

            merged.Add(await MergeSuiteAsync(name, parts, first, Path.Combine(outDirectory, name), baseline, settings, time, cancellationToken).ConfigureAwait(false));
        }

        return (merged, unmerged);

        void Add(string name, Part part)
        {
            if (!groups.TryGetValue(name, out var list))
            {
                groups[name] = list = [];
            }

            list.Add(part);
        }
    }

    private static async Task<Part> ReadAsync(string folder, CancellationToken cancellationToken)
    {
        try
        {
            return new Part(folder, await ResultsStore.ReadRunAsync(folder, cancellationToken).ConfigureAwait(false), null);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return new Part(folder, null, ex.Message);
        }
    }

    private static async Task<RunResult> MergeSuiteAsync(
        string name, List<Part> parts, RunResult first, string directory, string? baseline, Settings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        // The suite as the shards ran it: read again from the file they recorded (as `report --since` does), with the
        // trials they ran (--repeat may have overridden run.repeat).
        var suite = SuiteLoader.Load(first.SuitePath, settings);
        suite = new RunRequest { OutputDirectory = directory, Repeat = first.Datapoints?.Repeat ?? 1 }.Apply(suite);

        // And with the models they generated with (`run --model NAME=MODEL` changes or adds model configs): as run.json
        // recorded them, so that the merged run lists and orders its model configs as the shards' runs did.
        var suiteModels = suite.Models.ToDictionary(m => m.Name, m => m.Model, StringComparer.Ordinal);
        List<ModelOverride> overrides = [.. first.Models
            .Where(m => m.Model is { } model && m.Provider != Datasets.DatapointParser.SuppliedModelConfig
                && (!suiteModels.TryGetValue(m.Name, out var configured) || configured != model))
            .Select(m => new ModelOverride { Name = m.Name, Model = m.Model! })];
        if (overrides.Count > 0 && ModelOverride.Apply(suite, overrides, out _) is { } overridden)
        {
            suite = overridden;
        }
        var problems = new List<string>();
        var count = first.Shard?.Count ?? 0;
        var taken = new Dictionary<int, Part>();
        var included = new List<Part>();
        foreach (var part in parts)
        {
            if (part.Run is not { } run)
            {
                problems.Add(part.Unreadable is { } why
                    ? $"{part.Folder}: {why}; its rows are merged as they are"
                    : $"{part.Folder}: no run.json (the shard's run did not finish); its rows are merged as they are");
                included.Add(part);
                continue;
            }

            if (run.Shard is not { } shard)
            {
                problems.Add($"{part.Folder}: a run of the whole suite, not a shard (run each shard with --shard I/N); its rows are left out");
                continue;
            }

            if (shard.Count != count)
            {
                problems.Add($"{part.Folder} is shard {shard}, the others are of {count} shards; its rows are left out");
                continue;
            }

            if (first.SuiteHash is { } hash && run.SuiteHash != hash)
            {
                problems.Add($"{part.Folder} ran another version of the suite than {parts.First(p => p.Run == first).Folder} (their suite hashes differ); its rows are left out");
                continue;
            }

            if (taken.TryGetValue(shard.Index, out var earlier))
            {
                problems.Add($"shard {shard} is given twice, in {earlier.Folder} and {part.Folder}; the rows of {part.Folder} are left out");
                continue;
            }

            taken[shard.Index] = part;
            if (run.Verdict is Verdict.Error or Verdict.Cancelled)
            {
                problems.Add($"shard {shard} ({part.Folder}) {(run.Verdict == Verdict.Cancelled ? "was cancelled" : "ended in error")}: {run.Reason}");
            }
        }

        for (var index = 1; index <= count; index++)
        {
            if (!taken.ContainsKey(index))
            {
                problems.Add($"shard {index}/{count} is missing: no run.json of suite '{first.Suite}' for it in the folders given");
            }
        }

        // Shards in their order, then the folders whose shard is not known.
        included = [.. taken.OrderBy(t => t.Key).Select(t => t.Value), .. included];
        var runs = included.Select(p => p.Run).OfType<RunResult>().ToList();
        var tally = new RunTally(suite);
        var owner = new Dictionary<string, Part>(StringComparer.Ordinal);
        var twice = new List<string>();
        var read = new Dictionary<Part, int>();
        var path = Path.Combine(directory, ResultsStore.RowsFile);
        try
        {
            Directory.CreateDirectory(directory);
            await AtomicFile.WriteAsync(path, (stream, token) => CopyRows(stream, included, tally, owner, twice, read), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
        {
            throw new ResultsWriteException(path, ex);
        }

        // A shard's rows file must hold every row its run.json counts: rows lost after the run (a partial upload, a
        // cut copy) would otherwise merge into a verdict over fewer rows than ran.
        foreach (var part in included.Where(p => p.Run is { Shard: not null }))
        {
            var rowsRead = read.GetValueOrDefault(part);
            if (rowsRead != part.Run!.Rows)
            {
                problems.Add($"shard {part.Run.Shard} ({part.Folder}): its {part.Run.Results} holds {rowsRead} rows, its run.json counts {part.Run.Rows}; the rows there are merged, the others are lost");
            }
        }

        if (twice.Count > 0)
        {
            problems.Add($"{twice.Count} datapoint(s) are in two shards' results ({string.Join("; ", twice.Take(3))}{(twice.Count > 3 ? "; ..." : string.Empty)}); only the first shard's rows of each are merged");
        }

        var result = tally.Decide(stopped: null, cancelled: false) with
        {
            StartedAt = runs.Count > 0 ? runs.Min(r => r.StartedAt) : time.GetUtcNow(),
            FinishedAt = runs.Count > 0 ? runs.Max(r => r.FinishedAt) : time.GetUtcNow(),
            OutputDirectory = directory,
            Repaid = runs.Sum(r => r.Repaid),
            NotRun = runs.Sum(r => r.NotRun),
            Warnings = [.. runs.SelectMany(r => r.Warnings).Distinct(StringComparer.Ordinal)],
            SuiteHash = first.SuiteHash,
            SuiteParts = first.SuiteParts,
            Source = first.Source,
            Retries = runs.Any(r => r.Retries is not null) ? SumRetries(runs) : null,
            MergedShards = count == 0 ? null : count,
        };

        if (first.SuiteHash is not null && first.SuiteParts is not null)
        {
            var recorded = new SuiteFingerprint { Hash = first.SuiteHash, Parts = first.SuiteParts };
            await recorded.WriteAsync(directory, cancellationToken).ConfigureAwait(false);
            var now = await SuiteFingerprint.ComputeAsync(suite, cancellationToken).ConfigureAwait(false);
            if (now.ChangesSince(recorded) is { Count: > 0 } changes)
            {
                result = result with { Warnings = [.. result.Warnings, $"the suite's files changed since the shards ran ({string.Join(", ", changes)}); the merged run is decided by the suite as it is now"] };
            }
        }

        if (problems.Count > 0)
        {
            // Said first, then what the rows that are here show.
            List<VerdictReason> reasons = [
                .. problems.Select(p => new VerdictReason { Kind = VerdictReasonKind.Shards, Message = p }),
                .. result.Reasons.Where(r => r.Kind is not (VerdictReasonKind.Passed or VerdictReasonKind.EmptyShard)),
            ];
            result = result.WithVerdict(Verdict.Error, reasons);
        }

        result = await Comparisons.BaselineGate.DecideAsync(result, suite, baseline, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return await ResultsStore.WriteRunAsync(result, settings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies each shard's rows as they are written (line for line; a line that is not a whole row is dropped, as every
    /// reader does) and tallies them; a datapoint already seen in another shard is left out.
    /// </summary>
    private static async Task CopyRows(Stream stream, List<Part> parts, RunTally tally, Dictionary<string, Part> owner, List<string> twice, Dictionary<Part, int> read)
    {
        var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true) { NewLine = "\n" };
        await using (writer.ConfigureAwait(false))
        {
            foreach (var part in parts)
            {
                var rows = Path.Combine(part.Folder, part.Run?.Results ?? ResultsStore.RowsFile);
                if (!File.Exists(rows))
                {
                    continue;
                }

                var reported = new HashSet<string>(StringComparer.Ordinal);
                foreach (var line in File.ReadLines(rows))
                {
                    if (ResultsStore.ReadRow(line) is not { } row)
                    {
                        continue;
                    }

                    read[part] = read.GetValueOrDefault(part) + 1;

                    if (owner.TryGetValue(row.DatapointId, out var other) && other != part)
                    {
                        if (reported.Add(row.DatapointId))
                        {
                            twice.Add($"'{row.DatapointId}' in {other.Folder} and {part.Folder}");
                        }

                        continue;
                    }

                    owner[row.DatapointId] = part;
                    tally.Add(row);
                    await writer.WriteLineAsync(line).ConfigureAwait(false);
                }
            }
        }
    }

    private static RetryCounts SumRetries(List<RunResult> runs) => new()
    {
        RateLimit = runs.Sum(r => r.Retries?.RateLimit ?? 0),
        ServerError = runs.Sum(r => r.Retries?.ServerError ?? 0),
        Timeout = runs.Sum(r => r.Retries?.Timeout ?? 0),
        Unusable = runs.Sum(r => r.Retries?.Unusable ?? 0),
    };
}
