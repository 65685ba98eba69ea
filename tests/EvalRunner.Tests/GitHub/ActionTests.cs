using System.Text.RegularExpressions;
using System.Xml.Linq;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Logs;
using EvalRunner.Reports;
using EvalRunner.Testing;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Tests.GitHub;

/// <summary>
/// Runs the shell steps of the repository's action.yml as GitHub would, in a user's repository (GITHUB_WORKSPACE):
/// each with its env (inputs resolved), its own GITHUB_OUTPUT, a shared GITHUB_STEP_SUMMARY, the event, and
/// GITHUB_API_URL on the test server. Steps that use other actions (setup-dotnet, cache, upload-artifact) are left to
/// GitHub: their outputs are empty, as on a cache miss. The runner's temp folder is shared by the class, as a restored
/// cache would be, so the CLI is built once.
/// </summary>
public sealed partial class ActionTests(ActionTests.Runner runner) : IClassFixture<ActionTests.Runner>
{
    /// <summary>The runner's temp folder, kept for the whole class.</summary>
    public sealed class Runner : IDisposable
    {
        public TempDirectory Temp { get; } = new();

        public void Dispose() => Temp.Dispose();
    }

    private sealed record StepResult(string Id, int ExitCode, Dictionary<string, string> Outputs, string Log);

    private Task<List<StepResult>> RunActionAsync(TempDirectory dir, FakeGitHubServer server, Dictionary<string, string> inputs) =>
        RunActionAsync(dir, dir.Path, server, inputs);

    /// <summary>Runs the action's steps in order, up to and including <paramref name="lastStep"/> when given.</summary>
    private async Task<List<StepResult>> RunActionAsync(TempDirectory dir, string workspace, FakeGitHubServer server, Dictionary<string, string> inputs, string eventName = "pull_request", string? lastStep = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Repository.Root, "action.yml"))));
        var action = (YamlMappingNode)stream.Documents[0].RootNode;
        var declared = (YamlMappingNode)action["inputs"];
        Assert.All(inputs.Keys, k => Assert.True(declared.Children.ContainsKey(k), $"action.yml has no input {k}"));
        var values = declared.Children.ToDictionary(
            i => ((YamlScalarNode)i.Key).Value!,
            i => inputs.GetValueOrDefault(((YamlScalarNode)i.Key).Value!) ?? (((YamlMappingNode)i.Value).Children.TryGetValue("default", out var d) ? ((YamlScalarNode)d).Value ?? string.Empty : string.Empty));
        var summary = Path.Combine(dir.Path, "step_summary.md");
        if (!File.Exists(summary))
        {
            dir.File("step_summary.md", string.Empty);
        }

        var @event = dir.File("event.json", "{\"pull_request\":{\"number\":7}}");
        var temp = runner.Temp.Path;
        var outputs = new Dictionary<string, Dictionary<string, string>>();
        var results = new List<StepResult>();
        var index = 0;
        var failed = false;
        string Resolve(string text) => Expression().Replace(text, m => m.Groups[1].Value.Trim() switch
        {
            var e when e.StartsWith("inputs.", StringComparison.Ordinal) => Resolve(values[e["inputs.".Length..]]),
            "github.action_path" => Repository.Root,
            "github.action_ref" => string.Empty,
            "github.token" => "ghs_action_token",
            "runner.temp" => temp,
            var e when e.StartsWith("steps.", StringComparison.Ordinal) && e.Split('.') is [_, var stepId, "outputs", var name]
                => outputs.GetValueOrDefault(stepId)?.GetValueOrDefault(name) ?? string.Empty,
            var e => throw new InvalidOperationException($"the test does not know the expression {e}"),
        });

        // GitHub's rule: a condition without a status function is `success() && ...`.
        bool Runs(string? condition) => condition switch
        {
            null => !failed,
            "always()" => true,
            _ when ComparisonCondition().Match(condition) is { Success: true } c =>
                !failed && (Resolve("${{ " + c.Groups["left"].Value + " }}") == c.Groups["right"].Value) == (c.Groups["op"].Value == "=="),
            _ => throw new InvalidOperationException($"the test does not know the condition {condition}"),
        };

        foreach (YamlMappingNode step in ((YamlSequenceNode)((YamlMappingNode)action["runs"])["steps"]).Children)
        {
            index++;
            var id = step.Children.TryGetValue("id", out var idNode) ? ((YamlScalarNode)idNode).Value! : $"step{index}";
            outputs[id] = [];
            if (!step.Children.TryGetValue("run", out var run)
                || !Runs(step.Children.TryGetValue("if", out var condition) ? ((YamlScalarNode)condition).Value : null))
            {
                continue;
            }

            var output = dir.File($"output-{id}.txt", string.Empty);
            var env = new Dictionary<string, string?>
            {
                ["GITHUB_ACTIONS"] = "true",
                ["GITHUB_OUTPUT"] = output,
                ["GITHUB_STEP_SUMMARY"] = summary,
                ["GITHUB_EVENT_NAME"] = eventName,
                ["GITHUB_EVENT_PATH"] = @event,
                ["GITHUB_WORKSPACE"] = workspace,
                ["GITHUB_API_URL"] = server.ApiUrl.ToString(),
                ["GITHUB_SERVER_URL"] = "https://github.example",
                ["GITHUB_REPOSITORY"] = "acme/bot",
                ["GITHUB_WORKFLOW_REF"] = "acme/bot/.github/workflows/evals.yml@refs/pull/7/merge",
                ["GITHUB_RUN_ID"] = "4242",
                ["RUNNER_OS"] = "Linux",
                ["RUNNER_TEMP"] = temp,
            };
            if (eventName.StartsWith("pull_request", StringComparison.Ordinal))
            {
                env["GITHUB_BASE_REF"] = "main";
            }

            if (step.Children.TryGetValue("env", out var stepEnv))
            {
                foreach (var (key, value) in ((YamlMappingNode)stepEnv).Children)
                {
                    env[((YamlScalarNode)key).Value!] = Resolve(((YamlScalarNode)value).Value ?? string.Empty);
                }
            }

            var workingDirectory = step.Children.TryGetValue("working-directory", out var wd)
                ? Path.GetFullPath(Path.Combine(workspace, Resolve(((YamlScalarNode)wd).Value!)))
                : workspace;
            var result = await CliWrap.Cli.Wrap("bash")
                .WithArguments(["--noprofile", "--norc", "-eo", "pipefail", "-c", ((YamlScalarNode)run).Value!])
                .WithWorkingDirectory(workingDirectory)
                .WithEnvironmentVariables(env)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
            outputs[id] = File.ReadAllLines(output).Where(l => l.Contains('=', StringComparison.Ordinal))
                .ToDictionary(l => l[..l.IndexOf('=', StringComparison.Ordinal)], l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            results.Add(new StepResult(id, result.ExitCode, outputs[id], result.StandardOutput + result.StandardError));
            failed |= result.ExitCode != 0;
            if (id == lastStep)
            {
                break;
            }
        }

        return results;
    }

    /// <summary>A user's repository: its own global.json pinning an SDK the runner does not have, and its suites.</summary>
    private static void UserRepository(TempDirectory dir)
    {
        dir.File("global.json", "{\"sdk\": {\"version\": \"8.0.100\"}}\n");
        foreach (var example in new[] { "quickstart", "support-bot" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "examples", example)))
            {
                File.Copy(file, Path.Combine(Directory.CreateDirectory(Path.Combine(dir.Path, "examples", example)).FullName, Path.GetFileName(file)));
            }
        }
    }

    [Fact(Timeout = 600000)]
    public async Task In_a_user_repository_that_pins_another_sdk_the_steps_run_the_suite_write_the_summary_outputs_and_html_report_and_comment_once()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        UserRepository(dir);
        var results = Path.Combine(dir.Path, "results");

        var steps = await RunActionAsync(dir, server, new() { ["suites"] = "examples/quickstart/support.eval.yaml", ["results-dir"] = "results" });
        var again = await RunActionAsync(dir, server, new() { ["suites"] = "examples/quickstart/support.eval.yaml", ["results-dir"] = "results" });

        Assert.Equal(["guard", "dotnet", "cli-key", "build", "baseline", "evaluate", "report", "link", "verdict"], steps.Select(s => s.Id));
        Assert.Contains("no baseline: GitHub knows no workflow evals.yml in acme/bot (404)", steps.Single(s => s.Id == "baseline").Log, StringComparison.Ordinal);
        Assert.All(steps, s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
        Assert.Equal("0", steps.Single(s => s.Id == "evaluate").Outputs["exit-code"]);
        var report = steps.Single(s => s.Id == "report").Outputs;
        Assert.Equal(("true", "1", "results", Path.Combine("results", "summary.md")), (report["passed"], report["pass-rate"], report["results-dir"], report["summary-path"]));
        var summary = File.ReadAllText(Path.Combine(dir.Path, "step_summary.md"));
        Assert.Contains("## ✅ EvalRunner: support\\-quickstart passed", summary, StringComparison.Ordinal);
        Assert.Contains("[evalrunner-results artifact](https://github.example/acme/bot/actions/runs/4242)", summary, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(results, "summary.md")));
        Assert.Contains("<html", File.ReadAllText(Path.Combine(results, "report.html")), StringComparison.OrdinalIgnoreCase);
        var comment = Assert.Single(server.Comments(7));
        Assert.StartsWith(MarkdownReport.Marker("support-quickstart"), comment.Body, StringComparison.Ordinal);
        Assert.All(again, s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
        Assert.Contains("the CLI for evalrunner-cli-Linux-", again.Single(s => s.Id == "build").Log, StringComparison.Ordinal);
        Assert.Equal(steps.Single(s => s.Id == "cli-key").Outputs["key"], again.Single(s => s.Id == "cli-key").Outputs["key"]);
        Assert.Single(server.Comments(7));
        Assert.Contains(server.Requests, r => r.Method == "PATCH");
        Assert.All(server.Requests, r => Assert.Equal("Token ghs_action_token", r.Authorization));
    }

    [Fact(Timeout = 600000)]
    public async Task With_fail_on_thresholds_a_failing_suite_fails_the_action_after_reporting_with_annotations_relative_to_the_workspace()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("evals/s.eval.yaml", "name: strict\ndataset:\n  - {id: a, input: hello}\nmodels: [{provider: command, command: [python3, -c, \"print('one two three')\"]}]\nevaluators: [{type: length}]\nthresholds: ['length.words <= 2']\n");

        var steps = await RunActionAsync(dir, server, new() { ["suites"] = "s.eval.yaml", ["working-directory"] = "evals", ["results-dir"] = "results", ["comment"] = "off", ["baseline"] = "off" });

        Assert.Equal("1", steps.Single(s => s.Id == "evaluate").Outputs["exit-code"]);
        var report = steps.Single(s => s.Id == "report");
        Assert.Equal("false", report.Outputs["passed"]);
        Assert.Contains("::error file=evals/s.eval.yaml,line=3,title=strict › a", report.Log, StringComparison.Ordinal);
        var verdict = steps.Single(s => s.Id == "verdict");
        Assert.Equal(1, verdict.ExitCode);
        Assert.Contains("::error::EvalRunner: thresholds failed", verdict.Log, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        Assert.Contains("length.words &lt;\\= 2 \\(was 3\\)", File.ReadAllText(Path.Combine(dir.Path, "step_summary.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.Path, "evals", "results", "report.html")));
    }

    [Fact(Timeout = 600000)]
    public async Task A_forks_replay_that_measured_1_of_10_datapoints_passes_the_step_with_a_notice_and_the_verdict_output_unmeasured()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        await using var openai = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        static string Dataset(int count) => string.Join('\n', Enumerable.Range(0, count).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"question {i}\",\"expected\":\"question {i}\"}}"));
        dir.File("evals/replay.eval.yaml", $"name: replay\ndataset: cases.jsonl\nmodels: [{{name: gpt, provider: openai, model: gpt-4o-mini, base_url: '{openai.BaseUrl}', api_key: sk-test}}]\n"
            + "evaluators: [{type: contains}]\nthresholds: ['contains.passed == true']\n");
        dir.File("evals/cases.jsonl", Dataset(1));
        var live = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(Path.Combine(dir.Path, "evals"), ["run", "replay.eval.yaml", "--out", "live", "--cache-dir", "cache"], TestContext.Current.CancellationToken);
        Assert.True(live.ExitCode == 0, live.StandardOutput + live.StandardError);
        // The fork changed nine of ten datapoints: only the tenth is in the committed cache.
        dir.File("evals/cases.jsonl", Dataset(10));

        var steps = await RunActionAsync(dir, server, new() { ["suites"] = "replay.eval.yaml", ["working-directory"] = "evals", ["results-dir"] = "results", ["baseline"] = "off", ["args"] = "--cache replay --cache-dir cache" });

        Assert.All(steps, s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
        Assert.Equal("0", steps.Single(s => s.Id == "evaluate").Outputs["exit-code"]);
        var report = steps.Single(s => s.Id == "report").Outputs;
        Assert.Equal(("unmeasured", "false"), (report["verdict"], report["passed"]));
        Assert.Contains("::notice::EvalRunner: not decided", steps.Single(s => s.Id == "verdict").Log, StringComparison.Ordinal);
        const string headline = "## ⏳ EvalRunner: replay not decided — 1 of 10 measured; 9 need a live run";
        Assert.Contains(headline, File.ReadAllText(Path.Combine(dir.Path, "step_summary.md")), StringComparison.Ordinal);
        Assert.Contains(headline, Assert.Single(server.Comments(7)).Body, StringComparison.Ordinal);
        Assert.Contains("value: ${{ steps.report.outputs.verdict }}", File.ReadAllText(Path.Combine(Repository.Root, "action.yml")), StringComparison.Ordinal);
        Assert.Equal(1, openai.RequestCount);
    }

    [Fact(Timeout = 600000)]
    public async Task An_invalid_suite_shows_its_own_error_in_the_log_the_summary_and_an_annotation_and_no_later_step_hides_it()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        UserRepository(dir);
        dir.File("evals/bad.eval.yaml", "name: bad\ndataset:\n  - {id: a, input: hello}\nmodels: [{provider: command, command: [python3, -c, \"print(1)\"]}]\nevaluators: [{type: nosuch}]\n");

        var steps = await RunActionAsync(dir, server, new() { ["suites"] = "evals/bad.eval.yaml", ["results-dir"] = "results", ["comment"] = "off" });

        var evaluate = steps.Single(s => s.Id == "evaluate");
        Assert.Equal((0, "2"), (evaluate.ExitCode, evaluate.Outputs["exit-code"]));
        Assert.Contains("evals/bad.eval.yaml:5:21: evaluators[0].type: unknown evaluator type 'nosuch'", evaluate.Log, StringComparison.Ordinal);
        Assert.Contains("::error file=evals/bad.eval.yaml,line=5,title=EvalRunner%3A invalid input::evaluators[0].type: unknown evaluator type 'nosuch'", evaluate.Log, StringComparison.Ordinal);
        var summary = File.ReadAllText(Path.Combine(dir.Path, "step_summary.md"));
        Assert.Contains("## ❌ EvalRunner: invalid input or configuration", summary, StringComparison.Ordinal);
        Assert.Contains("evals/bad.eval.yaml:5:21: evaluators[0].type: unknown evaluator type 'nosuch'", summary, StringComparison.Ordinal);
        var report = steps.Single(s => s.Id == "report");
        Assert.Equal(0, report.ExitCode);
        Assert.DoesNotContain("run.json", report.Log, StringComparison.Ordinal);
        var verdict = steps.Single(s => s.Id == "verdict");
        Assert.Equal(2, verdict.ExitCode);
        Assert.Contains("::error::EvalRunner: invalid input or configuration", verdict.Log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 900000)]
    public async Task In_test_project_mode_failing_evaluations_are_reported_from_the_run_results_with_annotations_on_the_source_dataset_and_fail_on_never_is_honoured()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var fixture = Path.Combine(Repository.Root, "tests", "fixtures", "FailingEvals");
        var versions = XDocument.Load(Path.Combine(Repository.Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        File.Copy(Path.Combine(Repository.Root, "global.json"), Path.Combine(dir.Path, "global.json"));
        dir.File("tests/Evals/FailingEvals.cs", File.ReadAllText(Path.Combine(fixture, "FailingEvals.cs")));
        dir.File("tests/Evals/evals/failing.eval.yaml", File.ReadAllText(Path.Combine(fixture, "evals", "failing.eval.yaml")));
        dir.File("tests/Evals/Evals.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="xunit.v3" Version="{versions["xunit.v3"]}" />
                <ProjectReference Include="{Path.Combine(Repository.Root, "src", "EvalRunner.Xunit", "EvalRunner.Xunit.csproj")}" />
                <None Include="evals/**" CopyToOutputDirectory="PreserveNewest" />
                <Using Include="Xunit" />
              </ItemGroup>
            </Project>
            """);

        var steps = await RunActionAsync(dir, dir.Path, server, new() { ["test-project"] = "tests/Evals", ["fail-on"] = "never", ["comment"] = "off", ["results-dir"] = "results" });

        var evaluate = steps.Single(s => s.Id == "evaluate");
        Assert.True(evaluate.Outputs["test-exit-code"] == "2", evaluate.Log);
        Assert.Equal("0", evaluate.Outputs["exit-code"]);
        var report = steps.Single(s => s.Id == "report");
        Assert.Equal("false", report.Outputs["passed"]);
        Assert.Contains("::error file=tests/Evals/evals/failing.eval.yaml,line=7,title=failing › no-expected [echo]::", report.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("bin/", string.Join('\n', report.Log.Split('\n').Where(l => l.StartsWith("::error", StringComparison.Ordinal))), StringComparison.Ordinal);
        var verdict = steps.Single(s => s.Id == "verdict");
        Assert.Equal(0, verdict.ExitCode);
        Assert.DoesNotContain("invalid input", verdict.Log + File.ReadAllText(Path.Combine(dir.Path, "step_summary.md")), StringComparison.Ordinal);
        Assert.Contains("EvalRunner: failing failed", File.ReadAllText(Path.Combine(dir.Path, "step_summary.md")), StringComparison.Ordinal);
    }

    [Fact(Timeout = 900000)]
    public async Task In_test_project_mode_an_annotation_on_a_dataset_file_names_it_relative_to_the_repository()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var versions = XDocument.Load(Path.Combine(Repository.Root, "Directory.Packages.props")).Descendants("PackageVersion")
            .ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);
        File.Copy(Path.Combine(Repository.Root, "global.json"), Path.Combine(dir.Path, "global.json"));
        dir.File("tests/MyApp.Evals/CasesEvals.cs", """
            using EvalRunner.Xunit;

            [assembly: TestCaseOrderer(typeof(EvalCaseOrderer))]

            namespace MyApp.Evals;

            public sealed class CasesEvals
            {
                [Theory]
                [EvalSuite("evals/cases.eval.yaml")]
                public async Task Echo_bot(EvalCase @case) =>
                    await @case.EvaluateAsync(messages => Task.FromResult("Echo: " + messages[^1].Text), TestContext.Current.CancellationToken);
            }
            """);
        dir.File("tests/MyApp.Evals/evals/cases.eval.yaml", """
            name: cases
            dataset: cases.jsonl
            models:
              - {name: echo, provider: command, command: [python3, -c, "print('unused')"]}
            evaluators:
              - type: contains
            thresholds:
              - contains.passed == true
            """);
        dir.File("tests/MyApp.Evals/evals/cases.jsonl", """
            {"id": "greets", "input": "hello", "expected": "hello"}
            {"id": "wrong", "input": "hello", "expected": "goodbye"}

            """);
        dir.File("tests/MyApp.Evals/MyApp.Evals.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>Exe</OutputType>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="xunit.v3" Version="{versions["xunit.v3"]}" />
                <ProjectReference Include="{Path.Combine(Repository.Root, "src", "EvalRunner.Xunit", "EvalRunner.Xunit.csproj")}" />
                <None Include="evals/**" CopyToOutputDirectory="PreserveNewest" />
                <Using Include="Xunit" />
              </ItemGroup>
            </Project>
            """);

        var steps = await RunActionAsync(dir, dir.Path, server, new() { ["test-project"] = "tests/MyApp.Evals", ["fail-on"] = "never", ["comment"] = "off", ["results-dir"] = "results" });

        var report = steps.Single(s => s.Id == "report");
        Assert.Contains("::error file=tests/MyApp.Evals/evals/cases.jsonl,line=2,title=cases › wrong [echo]::", report.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("::error file=evals/", report.Log, StringComparison.Ordinal);
    }

    [Theory(Timeout = 600000)]
    [InlineData("pull_request_target")]
    [InlineData("workflow_run")]
    [InlineData("issue_comment")]
    public async Task Under_events_with_a_writing_token_the_action_refuses_to_run_repository_code_without_allow_untrusted_code(string eventName)
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        UserRepository(dir);

        var steps = await RunActionAsync(dir, dir.Path, server, new() { ["suites"] = "examples/quickstart/support.eval.yaml", ["results-dir"] = "results" }, eventName);

        // Only the steps that run always() follow, and they find nothing to link.
        Assert.Equal(["guard", "link"], steps.Select(s => s.Id));
        var guard = steps[0];
        Assert.Equal(2, guard.ExitCode);
        Assert.DoesNotContain("artifact", File.ReadAllText(Path.Combine(dir.Path, "step_summary.md")), StringComparison.Ordinal);
        Assert.Contains($"::error::EvalRunner: refusing to run under the {eventName} event", guard.Log, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "results")));
        Assert.Empty(server.Requests);
    }

    [Fact(Timeout = 600000)]
    public async Task With_allow_untrusted_code_the_action_runs_under_pull_request_target_with_a_warning()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        UserRepository(dir);

        var steps = await RunActionAsync(dir, dir.Path, server, new() { ["suites"] = "examples/quickstart/support.eval.yaml", ["results-dir"] = "results", ["comment"] = "off", ["allow-untrusted-code"] = "true" }, "pull_request_target");

        Assert.All(steps, s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
        Assert.Contains("::warning::EvalRunner: running repository code under pull_request_target", steps[0].Log, StringComparison.Ordinal);
        Assert.Equal("true", steps.Single(s => s.Id == "report").Outputs["passed"]);
    }

    [Theory(Timeout = 900000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sharded_the_shard_jobs_upload_their_own_artifacts_and_comment_nothing_and_the_merge_job_decides_comments_once_or_errors_naming_a_missing_shard(bool missingShard)
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        UserRepository(dir);
        // What download-artifact extracts for the merge job: one folder per shard artifact, by its name.
        var downloads = Path.Combine(runner.Temp.Path, "evalrunner-shards");
        if (Directory.Exists(downloads))
        {
            Directory.Delete(downloads, recursive: true);
        }

        var shards = new List<List<StepResult>>();
        foreach (var i in new[] { 1, 2, 3 })
        {
            // Each shard is its own job (its own processes); its results folder becomes its artifact.
            var steps = await RunActionAsync(dir, server, new() { ["suites"] = "examples/quickstart/support.eval.yaml", ["results-dir"] = $"shard-{i}", ["shard"] = $"{i}/3" });
            shards.Add(steps);
            var artifact = steps.Single(s => s.Id == "evaluate").Outputs["artifact"];
            Assert.Equal($"evalrunner-results-{i}-of-3", artifact);
            if (!(missingShard && i == 2))
            {
                CopyDirectory(Path.Combine(dir.Path, $"shard-{i}"), Path.Combine(downloads, artifact));
            }
        }

        var shardRequests = server.Requests.Count;
        File.WriteAllText(Path.Combine(dir.Path, "step_summary.md"), string.Empty);
        var merge = await RunActionAsync(dir, server, new() { ["merge"] = "true", ["shards"] = "3", ["results-dir"] = "merged" });

        Assert.All(shards.SelectMany(s => s), s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
        Assert.Equal(0, shardRequests);
        Assert.All(Enumerable.Range(1, 3), i => Assert.Contains($"EvalRunner: shard {i}/3 ran;", shards[i - 1].Single(x => x.Id == "report").Log, StringComparison.Ordinal));
        var evaluate = merge.Single(s => s.Id == "evaluate");
        Assert.Equal("evalrunner-results", evaluate.Outputs["artifact"]);
        var run = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "merged", "support-quickstart", "run.json")))!;
        var summary = File.ReadAllText(Path.Combine(dir.Path, "step_summary.md"));
        var comment = Assert.Single(server.Comments(7));
        Assert.StartsWith(MarkdownReport.Marker("support-quickstart"), comment.Body, StringComparison.Ordinal);
        Assert.Contains("[evalrunner-results artifact]", summary, StringComparison.Ordinal);
        if (missingShard)
        {
            Assert.Equal("2", evaluate.Outputs["exit-code"]);
            Assert.Contains("no artifact evalrunner-results-2-of-3", evaluate.Log, StringComparison.Ordinal);
            Assert.Equal("error", run["verdict"]!.GetValue<string>());
            Assert.Contains("shard 2/3 is missing", run["reason"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Contains("shard 2/3 is missing", comment.Body, StringComparison.Ordinal);
            var verdict = merge.Single(s => s.Id == "verdict");
            Assert.Equal(2, verdict.ExitCode);
            Assert.Contains("a shard is missing or failed", verdict.Log, StringComparison.Ordinal);
        }
        else
        {
            Assert.All(merge, s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
            Assert.Equal("0", evaluate.Outputs["exit-code"]);
            Assert.Equal(("pass", 10, 3), (run["verdict"]!.GetValue<string>(), run["rows"]!.GetValue<int>(), run["merged_shards"]!.GetValue<int>()));
            Assert.Equal("true", merge.Single(s => s.Id == "report").Outputs["passed"]);
            Assert.Contains("## ✅ EvalRunner: support\\-quickstart passed", summary, StringComparison.Ordinal);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [Fact(Timeout = 900000)]
    public async Task On_a_pull_request_the_base_branchs_results_artifact_is_the_baseline_and_the_comparison_shows_in_the_summary_and_the_comment()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        UserRepository(dir);
        var inputs = new Dictionary<string, string> { ["suites"] = "examples/quickstart/support.eval.yaml", ["results-dir"] = "results" };

        // The base branch's run: the same workflow on a push to main, whose results directory the action uploads.
        var push = await RunActionAsync(dir, dir.Path, server, new(inputs) { ["results-dir"] = "main-results", ["comment"] = "off" }, "push");
        Assert.All(push, s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
        Assert.Contains("EvalRunner: no baseline: the push event is not a pull request.", push.Single(s => s.Id == "baseline").Log, StringComparison.Ordinal);
        var run = server.AddWorkflowRun(new FakeWorkflowRun { Workflow = "evals.yml", Branch = "main", HeadSha = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed", CreatedAt = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero) });
        server.AddArtifact(run, "evalrunner-results", FakeGitHubServer.Zip(Path.Combine(dir.Path, "main-results")));
        File.Delete(Path.Combine(dir.Path, "step_summary.md"));

        var steps = await RunActionAsync(dir, server, inputs);

        Assert.All(steps, s => Assert.True(s.ExitCode == 0, s.Id + ": " + s.Log));
        var baseline = steps.Single(s => s.Id == "baseline");
        Assert.Equal(Path.Combine(runner.Temp.Path, "evalrunner-baseline"), baseline.Outputs["dir"]);
        Assert.Contains($"baseline: the evalrunner-results artifact of main at 5eed5ee (https://github.example/acme/bot/actions/runs/{run}", baseline.Log, StringComparison.Ordinal);
        var summary = File.ReadAllText(Path.Combine(dir.Path, "step_summary.md"));
        Assert.Contains("### Compared with baseline (support\\-quickstart): 0 regressions, 0 fixes", summary, StringComparison.Ordinal);
        Assert.Contains("Baseline: commit 5eed5eed5eed, branch main", summary, StringComparison.Ordinal);
        Assert.Contains($"https://github.example/acme/bot/actions/runs/{run}", summary, StringComparison.Ordinal);
        Assert.Contains("### Compared with baseline (support\\-quickstart)", Assert.Single(server.Comments(7)).Body, StringComparison.Ordinal);
        Assert.Null(Assert.Single(server.BlobRequests).Authorization);
        Assert.All(server.Requests, r => Assert.Equal("Token ghs_action_token", r.Authorization));
    }

    [Theory(Timeout = 600000)]
    [InlineData("off", "pull_request")]
    [InlineData("artifact", "push")]
    [InlineData("given-folder", "pull_request")]
    [InlineData("missing-folder", "pull_request")]
    [InlineData("args-baseline", "pull_request")]
    public async Task The_baseline_input_off_a_push_event_a_folder_of_ones_own_or_a_baseline_in_args_asks_GitHub_nothing(string baselineInput, string eventName)
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        UserRepository(dir);
        dir.File("given-folder/smoke/run.json", "{}");

        var inputs = baselineInput == "args-baseline"
            ? new Dictionary<string, string> { ["suites"] = "examples/quickstart/support.eval.yaml", ["args"] = "--baseline given-folder" }
            : new Dictionary<string, string> { ["suites"] = "examples/quickstart/support.eval.yaml", ["baseline"] = baselineInput };

        var steps = await RunActionAsync(dir, dir.Path, server, inputs, eventName, lastStep: "baseline");

        var baseline = steps.Single(s => s.Id == "baseline");
        Assert.True(baseline.ExitCode == 0, baseline.Log);
        Assert.Empty(server.Requests);
        var expected = baselineInput == "given-folder" ? Path.Combine(dir.Path, "given-folder") : null;
        Assert.Equal(expected, baseline.Outputs.GetValueOrDefault("dir"));
        if (baselineInput == "given-folder")
        {
            // The folder is used as it is: nothing to warn of.
            Assert.DoesNotContain("::warning::", baseline.Log, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(
                baselineInput switch
                {
                    "off" => "EvalRunner: baseline off.",
                    "artifact" => "EvalRunner: no baseline: the push event is not a pull request.",
                    "missing-folder" => "::warning::EvalRunner: no baseline: the folder of the baseline input does not exist.",
                    _ => "EvalRunner: the args input gives --baseline; the baseline input is not used.",
                },
                baseline.Log,
                StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_results_upload_overwrites_the_artifact_of_an_earlier_attempt_so_a_rerun_job_keeps_its_results()
    {
        // upload-artifact v4 and later answer 409 for a name an earlier attempt of the same run already uploaded.
        var action = File.ReadAllText(Path.Combine(Repository.Root, "action.yml"));
        var upload = action[action.IndexOf("- id: upload", StringComparison.Ordinal)..action.IndexOf("- id: link", StringComparison.Ordinal)];

        Assert.Matches(@"\n\s+overwrite: true\n", upload);
    }

    [Fact]
    public void Every_remote_action_in_the_action_and_the_workflows_is_pinned_by_commit_sha_with_its_version_in_a_comment()
    {
        var files = new[] { Path.Combine(Repository.Root, "action.yml") }
            .Concat(Directory.GetFiles(Path.Combine(Repository.Root, ".github", "workflows"), "*.yml"))
            .Concat(Directory.GetFiles(Path.Combine(Repository.Root, "examples"), "*.yml"))
            .ToList();
        var uses = files.SelectMany(f => File.ReadAllLines(f).Select(l => (File: Path.GetFileName(f), Line: l)))
            .Select(l => (l.File, Match: Uses().Match(l.Line)))
            .Where(l => l.Match.Success && !l.Match.Groups["ref"].Value.StartsWith("./", StringComparison.Ordinal))
            .ToList();

        Assert.Contains(uses, u => u.Match.Groups["ref"].Value.StartsWith("actions/upload-artifact@", StringComparison.Ordinal));
        Assert.All(uses, u => Assert.True(
            PinnedUses().IsMatch(u.Match.Groups["ref"].Value + " " + u.Match.Groups["rest"].Value.Trim())
                // The product's own action in the copy-me example: users pin the release they choose.
                || u.Match.Groups["ref"].Value.StartsWith("evalrunner/evalrunner@", StringComparison.Ordinal),
            $"{u.File}: {u.Match.Value.Trim()} is not pinned as owner/name@<40-hex sha> # vX.Y.Z"));
    }

    [GeneratedRegex(@"^\s*-?\s*uses:\s*(?<ref>\S+)(?<rest>.*)$")]
    private static partial Regex Uses();

    [GeneratedRegex(@"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")]
    private static partial Regex PinnedUses();

    [GeneratedRegex(@"\$\{\{\s*(.+?)\s*\}\}")]
    private static partial Regex Expression();

    [GeneratedRegex(@"^(?<left>[\w.-]+)\s*(?<op>==|!=)\s*'(?<right>[^']*)'$")]
    private static partial Regex ComparisonCondition();
}
