namespace EvalRunner.Tests;

/// <summary>The repository the tests run in: examples, schemas and the CLI's build output are found from here.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EvalRunner.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EvalRunner.sln not found above " + AppContext.BaseDirectory);
    }
}
