namespace EvalRunner.Runs;

/// <summary>
/// The folder a row's datapoint location is written relative to: the repository, so that results, reports and CI
/// annotations name a dataset file the same way whichever folder the run started in (a test project runs in its
/// output folder, <c>bin/…</c>). It is <c>GITHUB_WORKSPACE</c> when set, else the git work tree holding the current
/// folder, else the current folder. A file outside it keeps its full path.
/// </summary>
internal sealed class RepositoryRoot
{
    private readonly string _root;
    private readonly string _currentDirectory;

    private RepositoryRoot(string root, string currentDirectory)
    {
        _root = root;
        _currentDirectory = currentDirectory;
    }

    /// <summary>The repository root for a run started in <paramref name="currentDirectory"/>.</summary>
    public static RepositoryRoot Of(Settings settings, string currentDirectory)
    {
        var full = Path.GetFullPath(currentDirectory);
        return new RepositoryRoot(
            settings.Get("GITHUB_WORKSPACE") is { Length: > 0 } workspace ? Path.GetFullPath(workspace, full) : GitWorkTree(full) ?? full,
            full);
    }

    /// <summary>A file as a run names it (relative to the current folder, or full), relative to the repository root.</summary>
    public string PathOf(string file)
    {
        var full = Path.GetFullPath(file, _currentDirectory);
        var relative = Path.GetRelativePath(_root, full);
        return relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative)
            ? full
            : relative.Replace(Path.DirectorySeparatorChar, '/');
    }

    private static string? GitWorkTree(string directory)
    {
        for (var folder = new DirectoryInfo(directory); folder is not null; folder = folder.Parent)
        {
            // A work tree has a .git folder; a linked work tree or a submodule has a .git file.
            if (Directory.Exists(Path.Combine(folder.FullName, ".git")) || File.Exists(Path.Combine(folder.FullName, ".git")))
            {
                return folder.FullName;
            }
        }

        return null;
    }
}
