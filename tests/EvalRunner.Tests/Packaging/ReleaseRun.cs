using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Logs;
using EvalRunner.Testing;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Tests.Packaging;

/// <summary>
/// The release workflow (.github/workflows/release.yml) run once per test class for the tag <see cref="Tag"/>: its
/// shell steps in order, as GitHub runs them, in the repository, with <c>gh</c> a script that records its arguments
/// and no NuGet key. Steps that use other actions are left to GitHub, and so is the step that installs the tool with the
/// machine's package sources (the tests install it from the local folder alone). Bin, obj and the packages go under
/// the runner's temp folder, so the repository's own build outputs, which other tests run, are not touched.
/// </summary>
public sealed partial class ReleaseRun : IDisposable
{
    public const string Tag = "v1.2.3-test";
    public const string Version = "1.2.3-test";

    public static readonly string[] Ids = ["EvalRunner", "EvalRunner.Xunit", "EvalRunner.Cli", "EvalRunner.GitHub"];

    private readonly TempDirectory _directory = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _done;

    public sealed record StepResult(string Name, int ExitCode, string Log);

    /// <summary>The folder holding the .nupkg and .snupkg files: a local package source.</summary>
    public string Folder => Path.Combine(RunnerTemp, "packages");

    /// <summary>The commit the packages were built from, as <c>git rev-parse HEAD</c> says.</summary>
    public string Commit { get; private set; } = string.Empty;

    /// <summary>The shell steps that ran, in order; the run stops at the first that fails.</summary>
    public List<StepResult> Steps { get; } = [];

    /// <summary>Each <c>gh</c> call, one line of arguments per call, with the token it had.</summary>
    public string GhCalls => File.Exists(GhLog) ? File.ReadAllText(GhLog) : string.Empty;

    private string RunnerTemp => Path.Combine(_directory.Path, "runner-temp");

    private string GhLog => Path.Combine(_directory.Path, "gh.log");

    /// <summary>Runs the workflow on the first call; later calls return at once. A run that was cancelled runs again.</summary>
    public async Task<ReleaseRun> GetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_done)
            {
                await RunWorkflowAsync(cancellationToken);
                _done = true;
            }

            return this;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunWorkflowAsync(CancellationToken cancellationToken)
    {
        Steps.Clear();
        Directory.CreateDirectory(RunnerTemp);
        File.Delete(GhLog);
        Commit = (await RunAsync("git", ["rev-parse", "HEAD"], Repository.Root, cancellationToken)).StandardOutput.Trim();

        // gh: `release view` finds no release (a first run), every call is recorded.
        var bin = Path.Combine(_directory.Path, "bin");
        _directory.File("bin/gh", "#!/usr/bin/env bash\nprintf '%s | GH_TOKEN=%s\\n' \"$*\" \"$GH_TOKEN\" >> \"$GH_LOG\"\n[ \"$1 $2\" != 'release view' ]\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(bin, "gh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // A release builds in a checkout whose origin is the GitHub repository, and SourceLink maps the sources to it.
        // Here the origin may be missing or a local path: give the git root the GitHub URL a release checkout has.
        var origin = _directory.File("github-origin.targets", """
            <Project>
              <Target Name="UseTheGitHubOrigin" AfterTargets="InitializeSourceControlInformationFromSourceControlManager">
                <ItemGroup>
                  <SourceRoot Update="@(SourceRoot)" ScmRepositoryUrl="https://github.com/evalrunner/evalrunner" Condition="'%(SourceRoot.SourceControl)' == 'git'" />
                </ItemGroup>
              </Target>
            </Project>
            """);

        var outputs = new Dictionary<string, Dictionary<string, string>>();
        foreach (var step in WorkflowSteps())
        {
            var name = step.Children.TryGetValue("name", out var nameNode) ? ((YamlScalarNode)nameNode).Value! : string.Empty;
            if (!step.Children.TryGetValue("run", out var run) || name == "Try the tool from the packages")
            {
                continue;
            }

            string Resolve(string text) => Expression().Replace(text, m => m.Groups[1].Value.Trim() switch
            {
                "github.token" => "ghs_workflow_token",
                "secrets.NUGET_API_KEY" => string.Empty,
                var e when e.Split('.') is ["steps", var stepId, "outputs", var output] => outputs.GetValueOrDefault(stepId)?.GetValueOrDefault(output) ?? string.Empty,
                var e => throw new InvalidOperationException($"the test does not know the expression {e}"),
            });
            var outputFile = Path.Combine(_directory.Path, $"output-{Steps.Count}.txt");
            await File.WriteAllTextAsync(outputFile, string.Empty, cancellationToken);
            var env = new Dictionary<string, string?>
            {
                ["CI"] = "true",
                ["GITHUB_ACTIONS"] = "true",
                ["GITHUB_REF"] = "refs/tags/" + Tag,
                ["GITHUB_REF_NAME"] = Tag,
                ["GITHUB_REPOSITORY"] = "evalrunner/evalrunner",
                ["GITHUB_OUTPUT"] = outputFile,
                ["RUNNER_TEMP"] = RunnerTemp,
                ["GH_LOG"] = GhLog,
                ["CustomAfterMicrosoftCommonTargets"] = origin,
                ["MSBUILDDISABLENODEREUSE"] = "1",
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
            };
            if (step.Children.TryGetValue("env", out var stepEnv))
            {
                foreach (var (key, value) in ((YamlMappingNode)stepEnv).Children)
                {
                    env[((YamlScalarNode)key).Value!] = Resolve(((YamlScalarNode)value).Value ?? string.Empty);
                }
            }

            var result = await CliWrap.Cli.Wrap("bash")
                .WithArguments(["--noprofile", "--norc", "-eo", "pipefail", "-c", $"PATH='{bin}':\"$PATH\"\n" + Resolve(((YamlScalarNode)run).Value!)])
                .WithWorkingDirectory(Repository.Root)
                .WithEnvironmentVariables(env)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
            Steps.Add(new StepResult(name, result.ExitCode, result.StandardOutput + result.StandardError));
            if (step.Children.TryGetValue("id", out var id))
            {
                outputs[((YamlScalarNode)id).Value!] = (await File.ReadAllLinesAsync(outputFile, cancellationToken))
                    .Select(line => line.Split('=', 2)).Where(parts => parts.Length == 2).ToDictionary(parts => parts[0], parts => parts[1]);
            }

            if (result.ExitCode != 0)
            {
                break;
            }
        }
    }

    /// <summary>The steps of the release job in .github/workflows/release.yml.</summary>
    internal static IEnumerable<YamlMappingNode> WorkflowSteps()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Repository.Root, ".github", "workflows", "release.yml"))));
        var job = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["jobs"])["release"];
        return ((YamlSequenceNode)job["steps"]).Children.Cast<YamlMappingNode>();
    }

    /// <summary>The shell script of the named step.</summary>
    internal static string WorkflowStep(string name) =>
        ((YamlScalarNode)WorkflowSteps().Single(s => s.Children.TryGetValue("name", out var n) && ((YamlScalarNode)n).Value == name)["run"]).Value!;

    /// <summary>Runs a program to the end and fails the test with its output when it exits non-zero.</summary>
    internal static async Task<BufferedCommandResult> RunAsync(string program, string[] arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var result = await CliWrap.Cli.Wrap(program)
            .WithArguments(arguments)
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(env => env.Set("DOTNET_CLI_TELEMETRY_OPTOUT", "1").Set("DOTNET_NOLOGO", "1").Set("MSBUILDDISABLENODEREUSE", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.StandardOutput}{result.StandardError}");
        return result;
    }

    [GeneratedRegex(@"\$\{\{(.*?)\}\}")]
    private static partial Regex Expression();

    public void Dispose()
    {
        _gate.Dispose();
        _directory.Dispose();
    }
}
