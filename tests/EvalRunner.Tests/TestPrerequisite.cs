namespace EvalRunner.Tests;

/// <summary>
/// What a test needs besides .NET (node, an npm package that tests/setup.sh installs): when it is missing, the test
/// is skipped with the reason, except on CI (<c>EVALRUNNER_CI=1</c>, set by .ci/run), where it fails.
/// </summary>
internal static class TestPrerequisite
{
    public static void Require(bool present, string reason)
    {
        if (present)
        {
            return;
        }

        if (Settings.FromEnvironment().Get("EVALRUNNER_CI") == "1")
        {
            Assert.Fail($"{reason} (a missing prerequisite fails on CI: EVALRUNNER_CI=1)");
        }

        Assert.Skip(reason);
    }

    /// <summary>Whether <paramref name="program"/> is an executable file in a directory of PATH.</summary>
    public static bool OnPath(string program) =>
        (Settings.FromEnvironment().Get("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));
}
