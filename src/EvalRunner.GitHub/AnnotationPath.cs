namespace EvalRunner.GitHub;

/// <summary>
/// Where an annotation points: the dataset file in the repository, relative to <c>GITHUB_WORKSPACE</c>, as GitHub needs
/// (a row's location is written relative to it already, or full when the file is outside it).
/// A test project reads its suites from copies in its output folder (<c>bin/…</c>); those map back to the source file
/// with the same content. A file outside the repository, or a copy with no source, gets no place rather than a wrong one.
/// </summary>
internal static class AnnotationPath
{
    /// <summary>The path to annotate, or null when the file is not in the repository.</summary>
    public static string? InRepository(string file, string? workspace, string currentDirectory)
    {
        if (string.IsNullOrEmpty(workspace))
        {
            // Not in a workflow: the path as the run wrote it is the best there is.
            return file;
        }

        // A run writes a location relative to the repository (GITHUB_WORKSPACE in a workflow), whichever folder it ran in.
        var root = Path.GetFullPath(workspace, currentDirectory);
        var relative = Path.GetRelativePath(root, Path.GetFullPath(file, root));
        if (relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return null;
        }

        var segments = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var bin = Array.LastIndexOf(segments, "bin");
        if (bin >= 0)
        {
            segments = SourceOf(root, segments, bin);
        }

        return segments.Length == 0 ? null : string.Join('/', segments);
    }

    /// <summary>
    /// For <c>project/bin/Debug/net10.0/evals/a.yaml</c>, the first of <c>project/Debug/net10.0/evals/a.yaml</c>,
    /// <c>project/net10.0/evals/a.yaml</c>, <c>project/evals/a.yaml</c>, <c>project/a.yaml</c> with the same content;
    /// none when there is no such file.
    /// </summary>
    private static string[] SourceOf(string root, string[] segments, int bin)
    {
        var copyPath = Path.Combine([root, .. segments]);
        if (!File.Exists(copyPath))
        {
            return [];
        }

        var copy = File.ReadAllBytes(copyPath);
        for (var skip = bin + 1; skip < segments.Length; skip++)
        {
            string[] candidate = [.. segments[..bin], .. segments[skip..]];
            var path = Path.Combine([root, .. candidate]);
            if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(copy))
            {
                return candidate;
            }
        }

        return [];
    }
}
