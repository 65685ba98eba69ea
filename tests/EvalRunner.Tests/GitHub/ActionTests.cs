using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Reports;
using EvalRunner.Testing;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Tests.GitHub;

/// <summary>
/// Runs the shell steps of the repository's action.yml as GitHub would: each with its env (inputs resolved), its own
/// GITHUB_OUTPUT, a shared GITHUB_STEP_SUMMARY, a pull_request event, and GITHUB_API_URL on the test server.
/// Steps that use other actions (setup-dotnet, upload-artifact) are left to GitHub.
/// </summary>
public sealed partial class ActionTests
{
    private sealed record StepResult(string Id, int ExitCode, Dictionary<string, string> Outputs, string Log);

    private static async Task<List<StepResult>> RunActionAsync(TempDirectory dir, FakeGitHubServer server, Dictionary<string, string> inputs)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Repository.Root, "action.yml"))));
        var action = (YamlMappingNode)stream.Documents[0].RootNode;
        var declared = (YamlMappingNode)action["inputs"];
        var values = declared.Children.ToDictionary(
            i => ((YamlScalarNode)i.Key).Value!,
            i => inputs.GetValueOrDefault(((YamlScalarNode)i.Key).Value!) ?? (((YamlMappingNode)i.Value).Children.TryGetValue("default", out var d) ? ((YamlScalarNode)d).Value ?? string.Empty : string.Empty));
        var summary = dir.File("step_summary.md", string.Empty);
        var @event = dir.File("event.json", "{\"pull_request\":{\"number\":7}}");
        var temp = Directory.CreateDirectory(Path.Combine(dir.Path, "runner-temp")).FullName;
        var outputs = new Dictionary<string, Dictionary<string, string>>();
        var results = new List<StepResult>();
        var index = 0;
        foreach (YamlMappingNode step in ((YamlSequenceNode)((YamlMappingNode)action["runs"])["steps"]).Children)
        {
            index++;
            if (!step.Children.TryGetValue("run", out var run))
            {
                continue;
            }

            var id = step.Children.TryGetValue("id", out var idNode) ? ((YamlScalarNode)idNode).Value! : $"step{index}";
            string Resolve(string text) => Expression().Replace(text, m => m.Groups[1].Value.Trim() switch
            {
                var e when e.StartsWith("inputs.", StringComparison.Ordinal) => Resolve(values[e["inputs.".Length..]]),
                "github.action_path" => Repository.Root,
                "github.token" => "ghs_action_token",
                "runner.temp" => temp,
                var e when e.StartsWith("steps.", StringComparison.Ordinal) && e.Split('.') is [_, var stepId, "outputs", var name]
                    => outputs.GetValueOrDefault(stepId)?.GetValueOrDefault(name) ?? string.Empty,
                var e => throw new InvalidOperationException($"the test does not know the expression {e}"),
            });
            var output = dir.File($"output-{id}.txt", string.Empty);
            var env = new Dictionary<string, string?>
            {
                ["GITHUB_ACTIONS"] = "true",
                ["GITHUB_OUTPUT"] = output,
                ["GITHUB_STEP_SUMMARY"] = summary,
                ["GITHUB_EVENT_PATH"] = @event,
                ["GITHUB_API_URL"] = server.ApiUrl.ToString(),
                ["GITHUB_REPOSITORY"] = "acme/bot",
                ["RUNNER_TEMP"] = temp,
            };
            if (step.Children.TryGetValue("env", out var stepEnv))
            {
                foreach (var (key, value) in ((YamlMappingNode)stepEnv).Children)
                {
                    env[((YamlScalarNode)key).Value!] = Resolve(((YamlScalarNode)value).Value ?? string.Empty);
                }
            }

            var workingDirectory = step.Children.TryGetValue("working-directory", out var wd)
                ? Path.GetFullPath(Path.Combine(Repository.Root, Resolve(((YamlScalarNode)wd).Value!)))
                : Repository.Root;
            var result = await CliWrap.Cli.Wrap("bash")
                .WithArguments(["--noprofile", "--norc", "-eo", "pipefail", "-c", ((YamlScalarNode)run).Value!])
                .WithWorkingDirectory(workingDirectory)
                .WithEnvironmentVariables(env)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
            outputs[id] = File.ReadAllLines(output).Where(l => l.Contains('=', StringComparison.Ordinal))
                .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            results.Add(new StepResult(id, result.ExitCode, outputs[id], result.StandardOutput + result.StandardError));
            if (result.ExitCode != 0)
            {
                break;
            }
        }

        return results;
    }

    [Fact(Timeout = 300000)]
    public async Task The_actions_steps_run_the_suite_write_the_summary_and_outputs_and_comment_once_on_the_pull_request()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var results = Path.Combine(dir.Path, "results");

        var steps = await RunActionAsync(dir, server, new() { ["suites"] = "examples/quickstart/support.eval.yaml", ["results-dir"] = results });
        var again = await RunActionAsync(dir, server, new() { ["suites"] = "examples/quickstart/support.eval.yaml", ["results-dir"] = results });

        Assert.Equal(["dotnet", "build", "evaluate", "report", "verdict"], steps.Select(s => s.Id));
        Assert.All(steps, s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
        Assert.Equal("0", steps.Single(s => s.Id == "evaluate").Outputs["exit-code"]);
        var report = steps.Single(s => s.Id == "report").Outputs;
        Assert.Equal(("true", "1", results, Path.Combine(results, "summary.md")), (report["passed"], report["pass-rate"], report["results-dir"], report["summary-path"]));
        Assert.Contains("## ✅ EvalRunner: support\\-quickstart passed", File.ReadAllText(Path.Combine(dir.Path, "step_summary.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(results, "summary.md")));
        var comment = Assert.Single(server.Comments(7));
        Assert.StartsWith(MarkdownReport.Marker("support-quickstart"), comment.Body, StringComparison.Ordinal);
        Assert.All(again, s => Assert.Equal(0, s.ExitCode));
        Assert.Single(server.Comments(7));
        Assert.Contains(server.Requests, r => r.Method == "PATCH");
        Assert.All(server.Requests, r => Assert.Equal("Token ghs_action_token", r.Authorization));
    }

    [Fact(Timeout = 300000)]
    public async Task With_fail_on_thresholds_a_failing_suite_fails_the_action_after_reporting()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var suite = dir.File("s.eval.yaml", "name: strict\ndataset:\n  - {id: a, input: hello}\nmodels: [{provider: command, command: [python3, -c, \"print('one two three')\"]}]\nevaluators: [{type: length}]\nthresholds: ['length.words <= 2']\n");

        var steps = await RunActionAsync(dir, server, new() { ["suites"] = suite, ["results-dir"] = Path.Combine(dir.Path, "results"), ["comment"] = "off" });

        Assert.Equal("1", steps.Single(s => s.Id == "evaluate").Outputs["exit-code"]);
        Assert.Equal("false", steps.Single(s => s.Id == "report").Outputs["passed"]);
        var verdict = steps.Single(s => s.Id == "verdict");
        Assert.Equal(1, verdict.ExitCode);
        Assert.Contains("::error::EvalRunner: thresholds failed", verdict.Log, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        Assert.Contains("length.words &lt;\\= 2 \\(was 3\\)", File.ReadAllText(Path.Combine(dir.Path, "step_summary.md")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\$\{\{\s*(.+?)\s*\}\}")]
    private static partial Regex Expression();
}
