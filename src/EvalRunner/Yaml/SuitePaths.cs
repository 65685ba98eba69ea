namespace EvalRunner.Yaml;

/// <summary>
/// Resolves the files a suite names (datasets, Python files, score files, schema files) and keeps them inside the
/// suite's repository: the git work tree that holds the suite file (the nearest folder above it with a <c>.git</c>
/// entry), or the suite's own folder when it is in none. A file outside it (<c>../../outside.jsonl</c>, or a
/// symbolic link that leads out) needs <see cref="AllowOutside"/>: suites from pull requests run in CI. Every file
/// resolved is remembered, in order, for the suite's fingerprint.
/// </summary>
internal sealed class SuitePaths
{
    private readonly List<SuiteFile> _files = [];

    public SuitePaths(string suiteFile, bool allowOutside)
    {
        SuiteFile = Path.GetFullPath(suiteFile);
        Directory = Path.GetDirectoryName(SuiteFile)!;
        AllowOutside = allowOutside;
        Repository = FindRepository(RealPath(Directory));
    }

    /// <summary>The suite file's full path.</summary>
    public string SuiteFile { get; }

    /// <summary>The suite file's folder; relative paths resolve against it.</summary>
    public string Directory { get; }

    /// <summary>The folder every file must be under (its real path, symbolic links resolved).</summary>
    public string Repository { get; }

    /// <summary>Whether files outside <see cref="Repository"/> are allowed (<c>--allow-outside-paths</c>).</summary>
    public bool AllowOutside { get; }

    /// <summary>The files resolved so far, in order.</summary>
    public IReadOnlyList<SuiteFile> Files => _files;

    /// <summary>
    /// The full path of <paramref name="relative"/> (relative to the suite), checked to be inside the repository when
    /// it exists; the caller reports a missing file.
    /// </summary>
    /// <exception cref="SuiteException">The file is outside the repository and outside paths are not allowed.</exception>
    public string Resolve(YamlMap map, string key, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(Directory, relative));
        if (!File.Exists(full))
        {
            return full;
        }

        var real = RealPath(full);
        if (!AllowOutside && !IsUnder(real, Repository))
        {
            var via = real == full ? string.Empty : $" (a symbolic link to {real})";
            throw map.Error(key, $"'{relative}' is outside the suite's repository {Repository}: {full}{via}; "
                + "pass --allow-outside-paths (SuiteLoadOptions.AllowOutsidePaths in code) to read files outside it");
        }

        _files.Add(new SuiteFile { Field = map.Join(key), Path = full });
        return full;
    }

    private static bool IsUnder(string path, string folder)
    {
        var relative = Path.GetRelativePath(folder, path);
        return relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    private static string FindRepository(string directory)
    {
        for (var folder = new DirectoryInfo(directory); folder is not null; folder = folder.Parent)
        {
            // A work tree has a .git folder; a linked work tree or a submodule has a .git file.
            if (System.IO.Directory.Exists(Path.Combine(folder.FullName, ".git")) || File.Exists(Path.Combine(folder.FullName, ".git")))
            {
                return folder.FullName;
            }
        }

        return directory;
    }

    /// <summary>The path with every symbolic link along it resolved (as <c>realpath</c> does).</summary>
    internal static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        var parts = new Queue<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        var hops = 0;
        while (parts.TryDequeue(out var part))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = System.IO.Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is { } target && ++hops <= 40)
            {
                // The link's target replaces it, and is itself walked part by part.
                var resolved = Path.GetFullPath(Path.Combine(current, target));
                var rest = parts.ToList();
                var resolvedRoot = Path.GetPathRoot(resolved)!;
                parts = new Queue<string>([.. resolved[resolvedRoot.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries), .. rest]);
                current = resolvedRoot;
                continue;
            }

            current = next;
        }

        return current;
    }
}
