using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Packaging;

/// <summary>
/// The repository's packages, packed once per test class as the release workflow packs them (Release, a version
/// given on the command line), into a temp folder. Bin and obj go to the temp folder too (<c>--artifacts-path</c>),
/// so the repository's own build outputs, which other tests run, are not touched.
/// </summary>
public sealed class PackedPackages : IDisposable
{
    public const string Version = "1.2.3-test";

    public static readonly string[] Ids = ["EvalRunner", "EvalRunner.Xunit", "EvalRunner.Cli", "EvalRunner.GitHub"];

    private readonly TempDirectory _directory = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _packed;

    /// <summary>The folder holding the .nupkg and .snupkg files: a local package source.</summary>
    public string Folder => Path.Combine(_directory.Path, "packages");

    /// <summary>The commit the packages were built from, as <c>git rev-parse HEAD</c> says.</summary>
    public string Commit { get; private set; } = string.Empty;

    /// <summary>Packs on the first call; later calls return at once. A pack that failed or was cancelled runs again.</summary>
    public async Task<PackedPackages> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_packed)
            {
                await PackAsync(cancellationToken);
                _packed = true;
            }

            return this;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task PackAsync(CancellationToken cancellationToken)
    {
        var head = await RunAsync("git", ["rev-parse", "HEAD"], Repository.Root, cancellationToken);
        Commit = head.StandardOutput.Trim();

        // One build of the four projects: a solution filter of the packable projects.
        var filter = Path.Combine(_directory.Path, "packages.slnf");
        var solution = new { solution = new { path = Path.Combine(Repository.Root, "EvalRunner.sln"), projects = Ids.Select(id => $"src/{id}/{id}.csproj") } };
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(solution), cancellationToken);

        // A release builds in a checkout whose origin is the GitHub repository, and SourceLink maps the sources to it.
        // Here the origin may be missing or a local path: give the git root the GitHub URL a release checkout has.
        var origin = Path.Combine(_directory.Path, "github-origin.targets");
        await File.WriteAllTextAsync(origin, """
            <Project>
              <Target Name="UseTheGitHubOrigin" AfterTargets="InitializeSourceControlInformationFromSourceControlManager">
                <ItemGroup>
                  <SourceRoot Update="@(SourceRoot)" ScmRepositoryUrl="https://github.com/evalrunner/evalrunner" Condition="'%(SourceRoot.SourceControl)' == 'git'" />
                </ItemGroup>
              </Target>
            </Project>
            """, cancellationToken);

        await RunAsync(
            "dotnet",
            ["pack", filter, $"-p:CustomAfterMicrosoftCommonTargets={origin}", "-c", "Release", "-o", Folder, "--artifacts-path", Path.Combine(_directory.Path, "artifacts"), $"-p:Version={Version}", "-nodeReuse:false", "--nologo"],
            Repository.Root,
            cancellationToken);
    }

    /// <summary>Runs a program to the end and fails the test with its output when it exits non-zero.</summary>
    internal static async Task<BufferedCommandResult> RunAsync(string program, string[] arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var result = await CliWrap.Cli.Wrap(program)
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(env => env.Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1").Set("DOTNET_NOLOGO", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.StandardOutput}{result.StandardError}");
        return result;
    }

    public void Dispose()
    {
        _gate.Dispose();
        _directory.Dispose();
    }
}
