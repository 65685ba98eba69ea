using System.Text.Json;
using EvalRunner.Results;

namespace EvalRunner.Comparisons;

/// <summary>
/// Finds a suite's baseline run in a results directory (the directory itself when it holds a run.json, else the
/// subdirectory whose run is of the same suite), and what a downloaded artifact says of it (<c>baseline.json</c>).
/// </summary>
internal static class BaselineLocator
{
    /// <summary>The file an artifact carries beside its runs: commit, branch, created_at, run_url.</summary>
    public const string ArtifactFile = "baseline.json";

    /// <summary>
    /// The run directory of <paramref name="suite"/> under <paramref name="path"/>, or null with why not (no such
    /// directory, no run of that suite).
    /// </summary>
    /// <exception cref="JsonException">A run.json there is not a run.</exception>
    public static async Task<(string? Directory, string? Note)> FindAsync(string path, string suite, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(path))
        {
            return (null, $"no baseline at {path} (the directory does not exist)");
        }

        var runs = ResultsStore.FindRuns(path);
        if (runs.Count == 0)
        {
            return (null, $"no baseline at {path} (no run.json there or in its subdirectories)");
        }

        if (runs.Count == 1 && runs[0] == path)
        {
            return (path, null);
        }

        foreach (var run in runs)
        {
            var result = await ResultsStore.ReadRunAsync(run, cancellationToken).ConfigureAwait(false);
            if (result.Suite == suite)
            {
                return (run, null);
            }
        }

        return (null, $"no baseline for suite '{suite}' in {path} (it holds {string.Join(", ", runs.Select(System.IO.Path.GetFileName))})");
    }

    /// <summary>What the artifact's <c>baseline.json</c> (in the run directory, else the folder above it) says; null when there is none or it cannot be read.</summary>
    public static (RunSource Source, DateTimeOffset? CreatedAt, string? RunUrl)? ReadArtifact(string runDirectory)
    {
        foreach (var folder in new[] { runDirectory, System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(runDirectory)) })
        {
            var file = folder is null ? null : System.IO.Path.Combine(folder, ArtifactFile);
            if (file is null || !File.Exists(file))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(file));
                var root = document.RootElement;
                string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                DateTimeOffset? created = DateTimeOffset.TryParse(Text("created_at"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;
                return (new RunSource { Commit = Text("commit"), Branch = Text("branch") }, created, Text("run_url"));
            }
            catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
            {
                // A damaged note about the baseline does not stop the comparison; the baseline is just not named.
                return null;
            }
        }

        return null;
    }
}
