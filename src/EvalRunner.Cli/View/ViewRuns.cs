using System.Collections.Concurrent;
using System.Text.Json;
using EvalRunner.Results;

namespace EvalRunner.Cli.View;

/// <summary>
/// The runs under the served folders, found again on each look (a run may have finished since) and addressed by ids
/// this process assigns: the same folder keeps its id while the command runs.
/// </summary>
internal sealed class ViewRuns(IReadOnlyList<string> roots)
{
    private readonly ConcurrentDictionary<string, string> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ViewRun> _runs = new(StringComparer.Ordinal);
    private int _next;

    /// <summary>Every run under the folders, newest first, and a sentence for each run.json that is not a run.</summary>
    public async Task<(IReadOnlyList<ViewRun> Runs, IReadOnlyList<string> Problems)> ScanAsync(CancellationToken cancellationToken)
    {
        var runs = new List<ViewRun>();
        var problems = new List<string>();
        foreach (var directory in roots.SelectMany(Find).Distinct(StringComparer.Ordinal))
        {
            var id = _ids.GetOrAdd(directory, _ => Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                var run = new ViewRun { Id = id, Directory = directory, Run = await ResultsStore.ReadRunAsync(directory, cancellationToken).ConfigureAwait(false) };
                _runs[id] = run;
                runs.Add(run);
            }
            catch (JsonException ex)
            {
                // The message names the file and line.
                _runs.TryRemove(id, out _);
                problems.Add(ex.Message);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                _runs.TryRemove(id, out _);
                problems.Add($"{Path.Combine(directory, ResultsStore.RunFile)}: cannot be read ({ex.Message})");
            }
        }

        return ([.. runs.OrderByDescending(r => r.Run.FinishedAt).ThenBy(r => r.Directory, StringComparer.Ordinal)], problems);
    }

    /// <summary>
    /// The folders under <paramref name="root"/> (itself included) that hold a run.json, at most six levels down (a CI
    /// artifact's folder, then the results folder, then a suite's), not following links.
    /// </summary>
    private static IEnumerable<string> Find(string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 6, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        return Directory.EnumerateFiles(root, ResultsStore.RunFile, options)
            .Select(file => Path.GetFullPath(Path.GetDirectoryName(file)!))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>The run of <paramref name="id"/>, read again; null for an id never assigned or a run no longer readable.</summary>
    public async Task<ViewRun?> FindAsync(string? id, CancellationToken cancellationToken)
    {
        if (id is null || !_runs.ContainsKey(id))
        {
            // An id from an earlier look at the folders, or from a page opened before a restart.
            await ScanAsync(cancellationToken).ConfigureAwait(false);
        }

        return id is not null && _runs.TryGetValue(id, out var run) ? run : null;
    }
}
