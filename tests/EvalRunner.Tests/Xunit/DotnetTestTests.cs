using System.Reflection;
using System.Text.Json;
using System.Xml.Linq;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Results;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Xunit;

/// <summary>Runs test projects that use EvalRunner.Xunit through `dotnet test` and reads their TRX files.</summary>
public sealed class DotnetTestTests
{
    private static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";
    private static readonly string Configuration = typeof(DotnetTestTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    private sealed record TestResult(string Name, string Outcome, string Message, string Output);

    private static Task<(int ExitCode, List<TestResult> Results, string Console)> DotnetTestAsync(string project, string resultsDirectory, string[] extra, CancellationToken cancellationToken) =>
        DotnetTestAsync(project, resultsDirectory, new Dictionary<string, string>(), extra, cancellationToken);

    private static async Task<(int ExitCode, List<TestResult> Results, string Console)> DotnetTestAsync(string project, string resultsDirectory, Dictionary<string, string> environment, string[] extra, CancellationToken cancellationToken)
    {
        var trx = Path.Combine(resultsDirectory, "trx");
        var result = await CliWrap.Cli.Wrap("dotnet")
            .WithArguments(["test", "--project", project, "--no-build", "-c", Configuration, "--", "--report-trx", "--results-directory", trx, .. extra])
            .WithWorkingDirectory(Repository.Root)
            .WithEnvironmentVariables(env => env.Set("EVALRUNNER_RESULTS", Path.Combine(resultsDirectory, "evals")).Set(environment!))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        var file = Directory.GetFiles(trx, "*.trx").Single();
        var results = XDocument.Load(file).Descendants(Trx + "UnitTestResult").Select(r => new TestResult(
            (string)r.Attribute("testName")!,
            (string)r.Attribute("outcome")!,
            r.Descendants(Trx + "Message").FirstOrDefault()?.Value ?? string.Empty,
            r.Descendants(Trx + "StdOut").FirstOrDefault()?.Value ?? string.Empty)).ToList();
        return (result.ExitCode, results, result.StandardOutput + result.StandardError);
    }

    private static async Task BuildAsync(string project, CancellationToken cancellationToken)
    {
        var build = await CliWrap.Cli.Wrap("dotnet")
            .WithArguments(["build", project, "-c", Configuration, "--nologo", "-v", "q"])
            .WithWorkingDirectory(Repository.Root)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        Assert.True(build.ExitCode == 0, build.StandardOutput + build.StandardError);
    }

    [Fact(Timeout = 600000)]
    public async Task Every_datapoint_of_the_example_is_its_own_passing_test_case_with_an_aggregate_case_per_suite()
    {
        using var dir = new TempDirectory();
        const string project = "examples/xunit/SupportBot.Evals";
        if (!File.Exists(Path.Combine(Repository.Root, project, "bin", Configuration, "net10.0", "SupportBot.Evals.dll")))
        {
            await BuildAsync(project, TestContext.Current.CancellationToken);
        }

        var (exitCode, results, console) = await DotnetTestAsync(project, dir.Path, [], TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, console);
        Assert.Equal(25, results.Count);
        Assert.All(results, r => Assert.Equal("Passed", r.Outcome));
        Assert.Contains(results, r => r.Name.StartsWith("support › refund-window", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Name.StartsWith("generated › multi-turn", StringComparison.Ordinal));
        Assert.Equal(3, results.Count(r => r.Name.Contains("› aggregate thresholds", StringComparison.Ordinal)));

        // The example's own agent (Microsoft Agent Framework): its tool calls are the rows' trajectories.
        Assert.Contains(results, r => r.Name == "agent › order-refund");
        var agentRows = File.ReadAllLines(Path.Combine(dir.Path, "evals", "agent", "results.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var refundSteps = agentRows.Single(r => r.GetProperty("datapoint_id").GetString() == "order-refund").GetProperty("log").GetProperty("steps");
        Assert.Equal(["model", "lookup_order", "model", "refund_order", "model"], refundSteps.EnumerateArray().Select(s => s.TryGetProperty("name", out var n) ? n.GetString() : s.GetProperty("kind").GetString()));
        // The suite names no model config (the test supplies its responses): the display name alone.
        Assert.Contains(results, r => r.Name == "support › refund-window");
        Assert.Contains(results, r => r.Name == "generated › refund-window [support-bot]");
        Assert.Contains(results, r => r.Name == "support › aggregate thresholds");
        Assert.DoesNotContain("\"warnings\": [\n    \"the", File.ReadAllText(Path.Combine(dir.Path, "evals", "support", "run.json")), StringComparison.Ordinal);
        var refund = results.Single(r => r.Name.StartsWith("support › refund-window", StringComparison.Ordinal));
        Assert.Contains("\"datapoint_id\": \"refund-window\"", refund.Output, StringComparison.Ordinal);

        // The same results files as the CLI writes, for the same reports.
        var rows = File.ReadAllLines(Path.Combine(dir.Path, "evals", "support", "results.jsonl"));
        Assert.Equal(10, rows.Length);
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "evals", "generated", "run.json"))).RootElement;
        Assert.Equal("pass", run.GetProperty("verdict").GetString());
        Assert.Equal(10, run.GetProperty("rows").GetInt32());
    }

    [Fact(Timeout = 600000)]
    public async Task The_filter_selects_datapoints_by_tag_trait()
    {
        using var dir = new TempDirectory();
        const string project = "examples/xunit/SupportBot.Evals";
        if (!File.Exists(Path.Combine(Repository.Root, project, "bin", Configuration, "net10.0", "SupportBot.Evals.dll")))
        {
            await BuildAsync(project, TestContext.Current.CancellationToken);
        }

        var (exitCode, results, console) = await DotnetTestAsync(project, dir.Path, ["--filter-trait", "tag=shipping"], TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, console);

        // The documented name: suite › datapoint-id [model], nothing appended.
        Assert.Equal(
            ["generated › express-shipping [support-bot]", "generated › multi-turn [support-bot]", "generated › shipping-time [support-bot]",
             "support › express-shipping", "support › multi-turn", "support › shipping-time"],
            results.Select(r => r.Name).Order(StringComparer.Ordinal));

        // The filter left the aggregate cases out: run.json says so, for the summary, with the verdict the rules give.
        foreach (var suite in new[] { "support", "generated" })
        {
            var warnings = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "evals", suite, "run.json"))).RootElement.GetProperty("warnings");
            var warning = Assert.Single(warnings.EnumerateArray()).GetString()!;
            Assert.Contains($"the '{suite} › aggregate thresholds' test case did not run (a test filter left it out), so no test case checked the aggregate thresholds", warning, StringComparison.Ordinal);
            Assert.Contains("the run's verdict, with them, is pass", warning, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 600000)]
    public async Task On_xunits_own_command_line_the_example_lists_a_case_per_datapoint_and_its_trait_filter_selects_them()
    {
        // The test app run directly (dotnet run, or its executable) rather than through dotnet test: the example's
        // xunit.runner.json pre-enumerates theories, so each datapoint is its own case with its traits there too.
        const string project = "examples/xunit/SupportBot.Evals";
        var app = Path.Combine(Repository.Root, project, "bin", Configuration, "net10.0", "SupportBot.Evals.dll");
        if (!File.Exists(app))
        {
            await BuildAsync(project, TestContext.Current.CancellationToken);
        }

        var all = await ListAsync([]);
        var shipping = await ListAsync(["-trait", "tag=shipping"]);

        Assert.Equal(25, all.Count);
        Assert.Contains("support › aggregate thresholds", all);
        Assert.Equal(
            ["generated › express-shipping [support-bot]", "generated › multi-turn [support-bot]", "generated › shipping-time [support-bot]",
             "support › express-shipping", "support › multi-turn", "support › shipping-time"],
            shipping.Order(StringComparer.Ordinal));

        async Task<List<string>> ListAsync(string[] filter)
        {
            var result = await CliWrap.Cli.Wrap("dotnet")
                .WithArguments([app, "-list", "tests", "-noColor", .. filter])
                .WithWorkingDirectory(Path.GetDirectoryName(app)!)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
            Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
            return [.. result.StandardOutput.Split('\n').Select(line => line.Trim()).Where(line => line.Contains(" › ", StringComparison.Ordinal))];
        }
    }

    [Fact(Timeout = 600000)]
    public async Task A_failing_datapoint_an_evaluator_error_and_a_failing_aggregate_fail_their_test_cases_with_their_reasons()
    {
        using var dir = new TempDirectory();
        const string project = "tests/fixtures/FailingEvals";
        await BuildAsync(project, TestContext.Current.CancellationToken);

        var (exitCode, results, console) = await DotnetTestAsync(project, dir.Path, ["--filter-class", "FailingEvals.FailingEvals"], TestContext.Current.CancellationToken);

        Assert.NotEqual(0, exitCode);
        Assert.Equal(4, results.Count);
        TestResult Case(string name) => results.Single(r => r.Name.StartsWith($"failing › {name}", StringComparison.Ordinal));
        Assert.Equal("Passed", Case("passes").Outcome);
        var tooLong = Case("too-long");
        Assert.Equal("Failed", tooLong.Outcome);
        Assert.Contains("failing › too-long [echo]: FAIL", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("length.words <= 5 (was 9)", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("length.words = 9", tooLong.Message, StringComparison.Ordinal);
        Assert.Contains("response: Echo: one two three four five six seven eight", tooLong.Message, StringComparison.Ordinal);
        var error = Case("no-expected");
        Assert.Equal("Failed", error.Outcome);
        Assert.Contains("failing › no-expected [echo]: ERROR", error.Message, StringComparison.Ordinal);
        Assert.Contains("contains: no 'value' configured and datapoint 'no-expected' has no 'expected'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", error.Message.Replace("EvalFailedException", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        var aggregate = Case("aggregate thresholds");
        Assert.Equal("Failed", aggregate.Outcome);
        Assert.Contains("mean(contains.passed) >= 0.9 [echo] was 0.6667", aggregate.Message, StringComparison.Ordinal);
        Assert.Contains("3 rows: 1 passed, 1 failed, 1 errors", aggregate.Message, StringComparison.Ordinal);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir.Path, "evals", "failing", "results.jsonl")).Length);
        Assert.Equal("fail", JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "evals", "failing", "run.json"))).RootElement.GetProperty("verdict").GetString());
    }

    [Fact(Timeout = 600000)]
    public async Task A_run_stopped_by_its_budget_fails_the_aggregate_test_case()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request => "first second third fourth fifth sixth";
        const string project = "tests/fixtures/FailingEvals";
        await BuildAsync(project, TestContext.Current.CancellationToken);

        var (exitCode, results, console) = await DotnetTestAsync(
            project, dir.Path, new Dictionary<string, string> { ["EVALRUNNER_TEST_OPENAI_URL"] = server.BaseUrl.ToString() }, ["--filter-class", "FailingEvals.BudgetEvals"], TestContext.Current.CancellationToken);

        Assert.True(exitCode != 0, console);
        var aggregate = results.Single(r => r.Name.StartsWith("budget › aggregate thresholds", StringComparison.Ordinal));
        Assert.Equal("Failed", aggregate.Outcome);
        Assert.Contains("budget reached", aggregate.Message, StringComparison.Ordinal);
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "evals", "budget", "run.json"))).RootElement;
        Assert.Equal("error", run.GetProperty("verdict").GetString());
        Assert.True(run.GetProperty("rows").GetInt32() < 6, "the budget stopped the run before its last datapoint");
        Assert.True(server.RequestCount < 6, "no call was started after the budget was reached");
    }

    [Fact(Timeout = 600000)]
    public async Task With_repeat_each_datapoint_case_runs_its_trials_and_passes_by_k_of_n_naming_the_failed_trials()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var calls = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var answers = new Dictionary<string, string[]> { ["steady"] = ["ok", "ok", "ok"], ["flaky"] = ["ok", "no", "ok"], ["bad"] = ["no", "ok", "no"] };
        server.Respond = request =>
        {
            var input = request.Messages.Last(m => m.Role == "user").Content ?? string.Empty;
            return answers[input][(calls.AddOrUpdate(input, 1, (_, n) => n + 1) - 1) % 3];
        };
        const string project = "tests/fixtures/FailingEvals";
        await BuildAsync(project, TestContext.Current.CancellationToken);

        var (exitCode, results, console) = await DotnetTestAsync(
            project, dir.Path, new Dictionary<string, string> { ["EVALRUNNER_TEST_OPENAI_URL"] = server.BaseUrl.ToString() }, ["--filter-class", "FailingEvals.RepeatEvals"], TestContext.Current.CancellationToken);

        Assert.True(exitCode != 0, console);
        Assert.Equal(4, results.Count);
        TestResult Case(string name) => results.Single(r => r.Name.StartsWith($"repeat › {name}", StringComparison.Ordinal));
        Assert.Equal("Passed", Case("steady").Outcome);
        Assert.Equal("Passed", Case("flaky").Outcome);
        var bad = Case("bad");
        Assert.Equal("Failed", bad.Outcome);
        Assert.Contains("repeat › bad [gpt]: FAIL: 1 of 3 trials passed, fewer than min_passes 2", bad.Message, StringComparison.Ordinal);
        Assert.Equal(2, bad.Message.Split('\n').Count(line => System.Text.RegularExpressions.Regex.IsMatch(line, @"^  trial [123]: FAIL: contains\.passed == true")));
        Assert.Equal("Passed", Case("aggregate thresholds").Outcome);
        Assert.Equal(9, server.RequestCount);
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "evals", "repeat", "run.json"))).RootElement;
        Assert.Equal(9, run.GetProperty("rows").GetInt32());
        Assert.Equal(2, run.GetProperty("datapoints").GetProperty("flaky").GetInt32());
    }

    [Fact(Timeout = 600000)]
    public async Task Datapoints_a_stopped_run_left_unrun_fail_their_cases_with_the_runs_reason_and_no_exception_type()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request => "first second third fourth fifth sixth";
        const string project = "tests/fixtures/FailingEvals";
        await BuildAsync(project, TestContext.Current.CancellationToken);

        var (exitCode, results, console) = await DotnetTestAsync(
            project, dir.Path, new Dictionary<string, string> { ["EVALRUNNER_TEST_OPENAI_URL"] = server.BaseUrl.ToString() }, ["--filter-class", "FailingEvals.BudgetEvals"], TestContext.Current.CancellationToken);

        Assert.True(exitCode != 0, console);
        var rows = File.ReadAllLines(Path.Combine(dir.Path, "evals", "budget", "results.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("datapoint_id").GetString()).ToHashSet();
        var unrun = results.Where(r => r.Name.StartsWith("budget › q", StringComparison.Ordinal) && !rows.Contains(r.Name["budget › ".Length..].Split(' ')[0])).ToList();
        Assert.NotEmpty(unrun);
        Assert.All(unrun, r =>
        {
            Assert.Equal("Failed", r.Outcome);
            Assert.Contains("not run", r.Message, StringComparison.Ordinal);
            Assert.Contains("budget reached", r.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", r.Message.Replace("EvalFailedException", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        });
    }

    [Fact(Timeout = 600000)]
    public async Task Run_alone_the_aggregate_case_fails_as_the_runs_verdict_does_when_a_datapoint_whose_case_did_not_run_failed()
    {
        using var dir = new TempDirectory();
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var calls = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var answers = new Dictionary<string, string[]> { ["steady"] = ["ok", "ok", "ok"], ["flaky"] = ["ok", "no", "ok"], ["bad"] = ["no", "ok", "no"] };
        server.Respond = request =>
        {
            var input = request.Messages.Last(m => m.Role == "user").Content ?? string.Empty;
            return answers[input][(calls.AddOrUpdate(input, 1, (_, n) => n + 1) - 1) % 3];
        };
        const string project = "tests/fixtures/FailingEvals";
        await BuildAsync(project, TestContext.Current.CancellationToken);

        var (exitCode, results, console) = await DotnetTestAsync(
            project, dir.Path, new Dictionary<string, string> { ["EVALRUNNER_TEST_OPENAI_URL"] = server.BaseUrl.ToString() },
            ["--filter-class", "FailingEvals.RepeatEvals", "--filter-trait", "kind=aggregate"], TestContext.Current.CancellationToken);

        // The CLI exits 1 on this run: so does dotnet test, by the one case that ran.
        Assert.Equal("fail", JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "evals", "repeat", "run.json"))).RootElement.GetProperty("verdict").GetString());
        Assert.True(exitCode != 0, console);
        var aggregate = Assert.Single(results);
        Assert.Equal("repeat › aggregate thresholds", aggregate.Name);
        Assert.Equal("Failed", aggregate.Outcome);
        Assert.Contains("repeat › bad [gpt]", aggregate.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("steady", aggregate.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 600000)]
    public async Task A_suite_without_models_is_a_case_per_datapoint_for_the_tests_own_responses()
    {
        using var dir = new TempDirectory();
        const string project = "tests/fixtures/FailingEvals";
        await BuildAsync(project, TestContext.Current.CancellationToken);

        var (exitCode, results, console) = await DotnetTestAsync(project, dir.Path, ["--filter-class", "FailingEvals.NoModelEvals"], TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, console);

        // No model config to name: the display name alone, without a label.
        Assert.Equal(["nomodels › aggregate thresholds", "nomodels › farewell", "nomodels › greeting"], results.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(results, r => Assert.Equal("Passed", r.Outcome));
        var rows = File.ReadAllLines(Path.Combine(dir.Path, "evals", "nomodels", "results.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Equal("supplied", row.GetProperty("model_config").GetString()));
    }

    [Fact(Timeout = 600000)]
    public async Task An_own_chat_client_with_tools_and_an_own_AIAgent_are_evaluated_with_their_tool_calls_as_the_trajectory()
    {
        using var dir = new TempDirectory();
        const string project = "tests/fixtures/FailingEvals";
        await BuildAsync(project, TestContext.Current.CancellationToken);

        var (exitCode, results, console) = await DotnetTestAsync(project, dir.Path, ["--filter-class", "FailingEvals.AgentEvals"], TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, console);
        Assert.Equal(["agent-agent › aggregate thresholds", "agent-agent › where", "agent-client › aggregate thresholds", "agent-client › where"], results.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(results, r => Assert.True(r.Outcome == "Passed", r.Name + ": " + r.Message));
        foreach (var suite in new[] { "agent-client", "agent-agent" })
        {
            var row = JsonDocument.Parse(File.ReadAllLines(Path.Combine(dir.Path, "evals", suite, "results.jsonl")).Single()).RootElement;
            var log = row.GetProperty("log");
            Assert.Equal("Order 42 is delivered.", log.GetProperty("generated_response").GetString());
            var steps = log.GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(["model", "tool", "model"], steps.Select(s => s.GetProperty("kind").GetString()));
            Assert.Equal("lookup_order", steps[1].GetProperty("name").GetString());
            Assert.Equal("call_1", steps[1].GetProperty("call_id").GetString());
            Assert.Equal("42", steps[1].GetProperty("arguments").GetProperty("order_id").GetString());
            Assert.Equal("delivered", steps[1].GetProperty("result").GetString());
            Assert.Equal(1, row.Evaluation("trajectory").GetProperty("tool_calls").GetInt64());
        }
    }

    [Fact(Timeout = 600000)]
    public async Task Run_alone_the_aggregate_case_advises_the_test_case_orderer_only_where_it_is_missing()
    {
        using var dir = new TempDirectory();
        const string project = "tests/fixtures/FailingEvals";
        await BuildAsync(project, TestContext.Current.CancellationToken);

        var (_, results, console) = await DotnetTestAsync(
            project, dir.Path, ["--filter-class", "FailingEvals.FailingEvals", "--filter-class", "FailingEvals.UnorderedEvals", "--filter-trait", "kind=aggregate"], TestContext.Current.CancellationToken);

        Assert.True(results.Count == 2, console);
        var ordered = results.Single(r => r.Name == "failing › aggregate thresholds");
        Assert.Equal("Failed", ordered.Outcome);
        Assert.Contains("no datapoint case of the suite ran", ordered.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("TestCaseOrderer", ordered.Message, StringComparison.Ordinal);
        var unordered = results.Single(r => r.Name == "unordered › aggregate thresholds");
        Assert.Equal("Failed", unordered.Outcome);
        Assert.Contains("add [assembly: TestCaseOrderer(typeof(EvalRunner.Xunit.EvalCaseOrderer))]", unordered.Message, StringComparison.Ordinal);
    }
}
