using System.Reflection;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Cli;

/// <summary>Runs the real <c>evalrunner</c> executable on real files.</summary>
public sealed class CliTests
{
    private static readonly string RepositoryRoot = Repository.Root;

    [Fact(Timeout = 180000)]
    public async Task The_quickstart_example_passes_with_exit_code_0_and_writes_results_and_run_json()
    {
        using var output = new TempDirectory();

        var result = await EvalRunnerCli.RunAsync(RepositoryRoot, ["run", "examples/quickstart/support.eval.yaml", "--out", output.Path], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("PASS support-quickstart", result.StandardOutput, StringComparison.Ordinal);
        var rows = File.ReadAllLines(Path.Combine(output.Path, "support-quickstart", "results.jsonl"));
        Assert.Equal(10, rows.Length);
        Assert.All(rows, line => Assert.Equal("pass", JsonDocument.Parse(line).RootElement.GetProperty("outcome").GetString()));
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(output.Path, "support-quickstart", "run.json"))).RootElement;
        Assert.Equal("pass", run.GetProperty("verdict").GetString());
        Assert.Equal(2, run.GetProperty("aggregates").GetArrayLength());
        // mean(answers.passed) over 10 passing rows: the Wilson interval of 10 of 10 is [0.7225, 1].
        Assert.Equal("wilson", run.GetProperty("aggregates")[0].GetProperty("interval").GetString());
        Assert.Contains("1 [0.7225, 1]", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task An_empty_dataset_and_a_filter_that_matches_nothing_exit_with_2()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nprint('Answer: ' + json.load(sys.stdin)['input'])\n");
        dir.File("empty.jsonl", string.Empty);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        const string rest = "models:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\nthresholds:\n  - length.words <= 5\n";
        var empty = dir.File("empty.eval.yaml", "dataset: empty.jsonl\n" + rest);
        var some = dir.File("some.eval.yaml", "dataset: cases.jsonl\n" + rest);

        var none = await EvalRunnerCli.RunAsync(dir.Path, ["run", empty, "--out", "out-empty"], TestContext.Current.CancellationToken);
        var unmatched = await EvalRunnerCli.RunAsync(dir.Path, ["run", some, "--out", "out-filter", "--filter", "no-such-id"], TestContext.Current.CancellationToken);

        Assert.True(none.ExitCode == 2, none.StandardOutput + none.StandardError);
        Assert.Contains("no datapoints ran", none.StandardOutput, StringComparison.Ordinal);
        Assert.True(unmatched.ExitCode == 2, unmatched.StandardOutput + unmatched.StandardError);
        Assert.Contains("no datapoints ran", unmatched.StandardOutput, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task A_broken_run_json_is_reported_with_its_file_and_line_and_exit_code_2()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(dir.Path, "results", "suite"));
        File.WriteAllText(Path.Combine(dir.Path, "results", "suite", "run.json"), "{\n  \"suite\": \"s\",\n  \"verdict\": \"maybe\"\n}\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["report", "results"], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{Path.Combine("results", "suite", "run.json")}:3: not a run", result.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task A_failed_threshold_exits_with_1_and_names_the_failing_datapoint()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nprint('Answer: ' + json.load(sys.stdin)['input'])\n");
        dir.File("cases.jsonl", "{\"id\":\"short\",\"input\":\"hi\"}\n{\"id\":\"too-long\",\"input\":\"a b c d e f g h\"}\n");
        var suite = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\nthresholds:\n  - length.words <= 5\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out"], TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("too-long", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("length.words <= 5 (was 9)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("FAIL s: 1 of 2 rows failed a per-datapoint threshold", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir.Path, "out", "s", "results.jsonl")).Length);
    }

    [Fact(Timeout = 180000)]
    public async Task An_invalid_suite_exits_with_2_and_prints_the_location_on_stderr()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n");
        var suite = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodel:\n  - provider: command\n");

        var run = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite], TestContext.Current.CancellationToken);
        var validate = await EvalRunnerCli.RunAsync(dir.Path, ["validate", suite], TestContext.Current.CancellationToken);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(2, validate.ExitCode);
        var expected = $"error: {suite}:2:1: model: unknown key 'model' (did you mean 'models'?)";
        Assert.StartsWith(expected, run.StandardError.Trim(), StringComparison.Ordinal);
        Assert.StartsWith(expected, validate.StandardError.Trim(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "evalrunner-results")));
    }

    [Fact(Timeout = 180000)]
    public async Task Validate_checks_every_datapoint_without_generating_and_reports_a_malformed_line()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "raise SystemExit('must not run')\n");
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n{\"id\":\"b\",\"input\":\"y\"}\n{\"id\":\"c\" \"input\":\"z\"}\n");
        var suite = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\n");
        var good = dir.File("good.eval.yaml", "dataset:\n  - input: hello\nmodels:\n  - {provider: command, command: [python3, bot.py]}\n");

        var bad = await EvalRunnerCli.RunAsync(dir.Path, ["validate", suite], TestContext.Current.CancellationToken);
        var ok = await EvalRunnerCli.RunAsync(dir.Path, ["validate", good], TestContext.Current.CancellationToken);
        var run = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out"], TestContext.Current.CancellationToken);

        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("error: cases.jsonl:3: not valid JSON:", bad.StandardError.Trim(), StringComparison.Ordinal);
        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("1 datapoints × 1 model configs", ok.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, run.ExitCode);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out", "s", "results.jsonl")), "nothing may be generated when the dataset is malformed");
    }

    [Fact(Timeout = 180000)]
    public async Task The_filter_option_runs_only_matching_datapoints()
    {
        using var output = new TempDirectory();

        var result = await EvalRunnerCli.RunAsync(RepositoryRoot, ["run", "examples/quickstart/support.eval.yaml", "--out", output.Path, "--filter", "tag:shipping", "--concurrency", "2"], TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        var ids = File.ReadAllLines(Path.Combine(output.Path, "support-quickstart", "results.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("datapoint_id").GetString())
            .Order();
        Assert.Equal(["express-shipping", "multi-turn", "shipping-time"], ids);
    }

    [Fact(Timeout = 180000)]
    public async Task Ctrl_C_stops_the_run_with_exit_code_130_and_keeps_every_finished_row()
    {
        using var dir = new TempDirectory();
        // After the first three datapoints the bot waits (at most a minute) for a file the test never writes: the run
        // cannot finish before Ctrl-C reaches it, however slow the machine.
        dir.File("bot.py", "import json,os,sys,time\nd=json.load(sys.stdin)\nn=int(d['id'][1:])\nfor _ in range(600 if n >= 3 else 0):\n    if os.path.exists('go'):\n        break\n    time.sleep(0.1)\nprint('ok ' + d['input'])\n");
        dir.File("cases.jsonl", string.Join('\n', Enumerable.Range(0, 60).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"q{i}\"}}")));
        var suite = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\nrun:\n  concurrency: 2\n");
        var results = Path.Combine(dir.Path, "out", "s", "results.jsonl");
        // Started as a terminal starts it, with SIGINT at its default: a test host launched in the background of a
        // non-interactive shell ignores SIGINT, and an ignored signal is inherited (the runtime then keeps ignoring it).
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(
            "python3",
            ["-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp('dotnet', ['dotnet'] + sys.argv[1:])", EvalRunnerCli.Path, "run", suite, "--out", "out"])
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        while (!File.Exists(results) || File.ReadAllLines(results).Length < 3)
        {
            if (process.HasExited)
            {
                Assert.Fail($"evalrunner exited with code {process.ExitCode} before writing 3 rows:\n{await stdout}\n{await stderr}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await CliWrap.Cli.Wrap("kill").WithArguments(["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ExecuteAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(130, process.ExitCode);
        var rows = File.ReadAllLines(results);
        Assert.InRange(rows.Length, 3, 59);
        Assert.All(rows, line => Assert.Equal("pass", JsonDocument.Parse(line).RootElement.GetProperty("outcome").GetString()));
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "s", "run.json"))).RootElement;
        Assert.Equal("cancelled", run.GetProperty("verdict").GetString());
        Assert.Equal(rows.Length, run.GetProperty("rows").GetInt32());
        Assert.Contains("CANCELLED s", await stdout, StringComparison.Ordinal);
    }

    [Theory(Timeout = 180000)]
    [InlineData("examples/python-evaluator/quality.eval.yaml", "python-evaluator")]
    [InlineData("examples/external-scores/review.eval.yaml", "external-scores")]
    public async Task The_evaluator_examples_that_need_no_API_key_pass(string suite, string name)
    {
        using var output = new TempDirectory();

        var result = await EvalRunnerCli.RunAsync(RepositoryRoot, ["run", suite, "--out", output.Path], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal(10, File.ReadAllLines(Path.Combine(output.Path, name, "results.jsonl")).Length);
    }

    [Fact(Timeout = 180000)]
    public async Task The_llm_judge_example_runs_against_an_OpenAI_compatible_server_given_by_environment_variables()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = _ => """{"expected_helpfulness": 5, "actual_helpfulness": 4, "user_sentiment": "neutral", "confidence_score": 0.8}""";
        using var output = new TempDirectory();

        var result = await CliWrap.Cli.Wrap("dotnet")
            .WithArguments([EvalRunnerCli.Path, "run", "examples/llm-judge/judge.eval.yaml", "--out", output.Path, "--cache", "off"])
            .WithWorkingDirectory(RepositoryRoot)
            .WithEnvironmentVariables(env => env.Set("OPENAI_BASE_URL", server.BaseUrl.ToString()).Set("OPENAI_API_KEY", "sk-judge-test-key"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal(10, server.Requests.Count);
        Assert.All(server.Requests, request => Assert.Equal("Bearer sk-judge-test-key", request.Authorization));
        var row = JsonDocument.Parse(File.ReadAllLines(Path.Combine(output.Path, "llm-judge", "results.jsonl"))[0]).RootElement;
        Assert.Equal(4, row.GetProperty("evaluations").GetProperty("helpfulness").GetProperty("actual_helpfulness").GetInt64());
        Assert.DoesNotContain("sk-judge-test-key", File.ReadAllText(Path.Combine(output.Path, "llm-judge", "results.jsonl")), StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task A_killed_run_resumes_without_repeating_finished_datapoints()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Latency = TimeSpan.FromMilliseconds(150);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", string.Join('\n', Enumerable.Range(0, 24).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"q{i}\"}}")));
        var suite = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels: [{{provider: openai, model: m, base_url: \"{server.BaseUrl}\"}}]\nevaluators: [{{type: length}}]\nrun: {{concurrency: 2}}\n");
        var results = Path.Combine(dir.Path, "out", "s", "results.jsonl");
        using (var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", [EvalRunnerCli.Path, "run", suite, "--out", "out", "--cache", "off"])
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
        })!)
        {
            while (!File.Exists(results) || File.ReadAllLines(results).Length < 6)
            {
                if (process.HasExited)
                {
                    Assert.Fail($"evalrunner exited with code {process.ExitCode} before writing 6 rows");
                }

                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var finished = File.ReadAllLines(results).Count(line => line.EndsWith('}'));
        var paidBefore = server.RequestCount;

        var resumed = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--resume", "out", "--cache", "off"], TestContext.Current.CancellationToken);

        Assert.True(resumed.ExitCode == 0, resumed.StandardOutput + resumed.StandardError);
        var rows = File.ReadAllLines(results).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("datapoint_id").GetString()).ToList();
        Assert.Equal(24, rows.Count);
        Assert.Equal(24, rows.Distinct().Count());
        Assert.Equal(24 - finished, server.RequestCount - paidBefore);
        Assert.InRange(paidBefore - finished, 0, 2);
    }

    [Fact(Timeout = 180000)]
    public async Task A_dry_run_counts_calls_tokens_and_cost_and_calls_nothing()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hello there\"}\n{\"id\":\"b\",\"input\":\"general kenobi\"}\n");
        var suite = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels: [{{provider: openai, model: gpt-4o-mini, base_url: \"{server.BaseUrl}\", max_tokens: 100}}]\njudge: {{provider: openai, model: gpt-4o, base_url: \"{server.BaseUrl}\"}}\nevaluators:\n  - {{name: tone, type: llm, prompt: \"Rate {{generated_response}}\", output_schema: {{score: integer}}}}\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--dry-run"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Matches(@"s: 2 generation calls, 2 judge calls \(more if judges retry\), about [\d,]+ input and [\d,]+ output tokens, about \$0\.\d+; nothing was called", result.StandardOutput);
        Assert.Equal(0, server.RequestCount);
    }
}
