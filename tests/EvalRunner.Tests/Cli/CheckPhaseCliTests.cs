using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Testing;
using EvalRunner.Tests.Evaluators;

namespace EvalRunner.Tests.Cli;

/// <summary>The check phase and the run's guards as the real <c>evalrunner</c> process meets them.</summary>
public sealed class CheckPhaseCliTests
{
    private const string Bot = "import json,sys\nprint('Answer: ' + json.load(sys.stdin)['input'])\n";

    [Fact(Timeout = 120000)]
    public async Task Validate_names_the_datapoints_that_lack_a_context_variable_of_a_template_and_exits_with_2()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"q\",\"context\":{\"policy\":\"p\"}}\n{\"id\":\"b\",\"input\":\"q\"}\n");
        dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - provider: command\n    command: [python3, bot.py]\n    template: \"{context.policy}: {input.content}\"\nevaluators:\n  - type: length\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "s.eval.yaml"], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("s.eval.yaml:5:", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("models[0].template: the template uses {context.policy}, but 1 datapoint has no context.policy: b;", result.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_malformed_line_in_the_second_suites_dataset_stops_the_run_before_the_first_suite_generates()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("good.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        dir.File("bad.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n{\"id\": \n");
        dir.File("first.eval.yaml", "dataset: good.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\n");
        dir.File("second.eval.yaml", "dataset: bad.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", "first.eval.yaml", "second.eval.yaml", "--out", "out"], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad.jsonl:2", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out", "first")), result.StandardOutput);
    }

    [Fact(Timeout = 180000)]
    public async Task A_python_evaluator_whose_worker_dies_on_every_call_is_given_up_after_three_crashes_and_every_row_has_the_error()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("score.py", PythonEvaluatorTests.CrashingEvaluator);
        dir.File("cases.jsonl", PythonEvaluatorTests.Datapoints(30));
        dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels:\n  - {{provider: openai, model: gpt-4o-mini, base_url: \"{server.BaseUrl}\", api_key: sk-test}}\nevaluators:\n  - {{name: score, type: python, file: score.py, columns: {{ok: bool}}}}\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--out", "out", "--cache", "off"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        Assert.InRange(File.ReadAllLines(Path.Combine(dir.Path, "starts.txt")).Length, 1, 4);
        var rows = File.ReadAllLines(Path.Combine(dir.Path, "out", "s", "results.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(30, rows.Count);
        Assert.All(rows, row => Assert.Equal("evaluator", row.EvaluationError("score").Kind()));
        Assert.Equal(28, rows.Count(row => row.EvaluationError("score").Message().StartsWith("the Python worker died 3 times in a row", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 180000)]
    public async Task A_dataset_outside_the_suites_folder_needs_allow_outside_paths_on_run_and_validate()
    {
        using var dir = new TempDirectory();
        dir.File("outside.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        dir.File("suite/bot.py", Bot);
        dir.File("suite/s.eval.yaml", "dataset: ../outside.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\n");
        var suite = Path.Combine("suite", "s.eval.yaml");

        var validate = await EvalRunnerCli.RunAsync(dir.Path, ["validate", suite], TestContext.Current.CancellationToken);
        var run = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out"], TestContext.Current.CancellationToken);
        var wroteNothing = !File.Exists(Path.Combine(dir.Path, "out", "s", "results.jsonl"));
        var allowedValidate = await EvalRunnerCli.RunAsync(dir.Path, ["validate", suite, "--allow-outside-paths"], TestContext.Current.CancellationToken);
        var allowedRun = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out", "--allow-outside-paths"], TestContext.Current.CancellationToken);

        foreach (var refused in new[] { validate, run })
        {
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains($"{suite}:1:", refused.StandardError, StringComparison.Ordinal);
            Assert.Contains("dataset: '../outside.jsonl' is outside the suite's repository", refused.StandardError, StringComparison.Ordinal);
            Assert.Contains("--allow-outside-paths", refused.StandardError, StringComparison.Ordinal);
        }

        Assert.True(wroteNothing);
        Assert.True(allowedValidate.ExitCode == 0, allowedValidate.StandardOutput + allowedValidate.StandardError);
        Assert.True(allowedRun.ExitCode == 0, allowedRun.StandardOutput + allowedRun.StandardError);
    }

    [Fact(Timeout = 180000)]
    public async Task Resume_refuses_a_suite_whose_files_changed_naming_them_unless_resume_anyway()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        var dataset = dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n{\"id\":\"b\",\"input\":\"r\"}\n");
        dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {name: bot, provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\n");
        var first = await EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--out", "out"], TestContext.Current.CancellationToken);
        var runJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "s", "run.json"))).RootElement;

        // A killed run leaves no run.json: the fingerprint written at the start still says what it ran.
        File.Delete(Path.Combine(dir.Path, "out", "s", "run.json"));
        var unchanged = await EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--resume", "out"], TestContext.Current.CancellationToken);
        File.AppendAllText(dataset, "{\"id\":\"c\",\"input\":\"s\"}\n");
        var refused = await EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--resume", "out"], TestContext.Current.CancellationToken);
        var anyway = await EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--resume", "out", "--resume-anyway"], TestContext.Current.CancellationToken);

        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.Equal(64, runJson.GetProperty("suite_hash").GetString()!.Length);
        var parts = runJson.GetProperty("suite_parts");
        Assert.Equal(["s.eval.yaml", "cases.jsonl"], parts.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.Path, "s.eval.yaml")))), parts.GetProperty("s.eval.yaml").GetString());
        Assert.True(unchanged.ExitCode == 0, unchanged.StandardOutput + unchanged.StandardError);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("the suite changed since it started (cases.jsonl changed)", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("--resume-anyway", refused.StandardError, StringComparison.Ordinal);
        Assert.True(anyway.ExitCode == 0, anyway.StandardOutput + anyway.StandardError);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir.Path, "out", "s", "results.jsonl")).Length);
    }
}
