using CliWrap;
using CliWrap.Buffered;

namespace EvalRunner.Tests.Online;

/// <summary>Debian's <c>promtool</c> (package <c>prometheus</c>, installed by tests/setup.sh), run on real files.</summary>
internal static class Promtool
{
    public const string Executable = "/usr/bin/promtool";

    /// <summary>Skips the test when promtool is missing (fails on CI).</summary>
    public static void Require() =>
        TestPrerequisite.Require(File.Exists(Executable), "promtool is not installed (Debian package prometheus): run tests/setup.sh");

    /// <summary>Runs <c>promtool ARGUMENTS</c> in <paramref name="directory"/>; its exit code and both outputs.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string directory, string[] arguments, CancellationToken cancellationToken)
    {
        var result = await CliWrap.Cli.Wrap(Executable)
            .WithArguments(arguments)
            .WithWorkingDirectory(directory)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }
}
