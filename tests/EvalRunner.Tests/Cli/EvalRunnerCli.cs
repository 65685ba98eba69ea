using System.Reflection;
using CliWrap;
using CliWrap.Buffered;

namespace EvalRunner.Tests.Cli;

/// <summary>The real <c>evalrunner</c> executable of this build, run as a process on real files.</summary>
internal static class EvalRunnerCli
{
    /// <summary>The CLI's assembly in the configuration the tests were built in.</summary>
    public static string Path { get; } = System.IO.Path.Combine(
        Repository.Root, "src", "EvalRunner.Cli", "bin",
        typeof(EvalRunnerCli).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, "net10.0", "EvalRunner.Cli.dll");

    /// <summary>Runs <c>evalrunner ARGUMENTS</c> in <paramref name="workingDirectory"/> without colours, whatever its exit code.</summary>
    /// <param name="workingDirectory">Where the command runs.</param>
    /// <param name="arguments">The command and its arguments.</param>
    /// <param name="cancellationToken">Kills the process.</param>
    /// <param name="environment">More environment variables for this run, set after the defaults.</param>
    public static Task<BufferedCommandResult> RunAsync(string workingDirectory, string[] arguments, CancellationToken cancellationToken, Action<CliWrap.Builders.EnvironmentVariablesBuilder>? environment = null) =>
        CliWrap.Cli.Wrap("dotnet")
            .WithArguments([Path, .. arguments])
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(env =>
            {
                env.Set("NO_COLOR", "1").Set("COLUMNS", "250");
                environment?.Invoke(env);
            })
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
}
