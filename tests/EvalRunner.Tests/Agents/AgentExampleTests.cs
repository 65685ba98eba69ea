using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Agents;

/// <summary>examples/agent as the README runs it: offline, keyless, its trajectories in results and reports.</summary>
public sealed class AgentExampleTests
{
    [Fact(Timeout = 180000)]
    public async Task The_agent_example_runs_offline_and_its_trajectories_reach_the_results_and_the_reports()
    {
        var token = TestContext.Current.CancellationToken;
        using var output = new TempDirectory();
        var suite = Path.Combine(Repository.Root, "examples", "agent", "support-agent.eval.yaml");

        var (result, rows) = await SuiteRun.RunAsync(suite, TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(output.Path, "support-agent") }, token);

        // The cancel datapoint fails on purpose: the agent cancels without looking the order up first.
        Assert.Equal((5, 4, 1, 0), (result.Rows, result.Passed, result.Failed, result.Errors));
        var refund = rows.Row("refund-late");
        Assert.Equal("pass", refund.GetProperty("outcome").GetString());
        var steps = refund.GetProperty("log").GetProperty("steps").EnumerateArray()
            .Select(s => s.TryGetProperty("name", out var name) ? name.GetString() : s.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["model", "lookup_order", "model", "search_kb", "model", "refund_order", "model"], steps);
        Assert.Contains("late deliveries are refunded in full", refund.GetProperty("log").GetProperty("steps")[3].GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("Your order A1 arrived late", refund.GetProperty("log").GetProperty("generated_response").GetString(), StringComparison.Ordinal);
        var cancel = rows.Row("cancel");
        Assert.Equal("fail", cancel.GetProperty("outcome").GetString());
        Assert.Contains("expected `lookup_order`", cancel.Evaluation("tools").GetProperty("reason").GetString(), StringComparison.Ordinal);

        var reports = await RunReport.ReadAllAsync(output.Path, token);
        var markdown = MarkdownReport.Render(reports);
        Assert.Contains("**Trajectory** \\(3 steps\\)", markdown, StringComparison.Ordinal);
        Assert.Contains("2. tool cancel\\_order", markdown, StringComparison.Ordinal);
        Assert.Contains("expected \\`lookup\\_order\\`, got \\`cancel\\_order\\`", markdown, StringComparison.Ordinal);
        var html = HtmlReport.Render(reports);
        Assert.Contains("lookup_order", html, StringComparison.Ordinal);
        Assert.Contains("refund R-1001 issued", html, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Validate_live_lists_the_MCP_servers_tools_and_checks_the_datasets_tool_names_against_them()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "examples", "agent")))
        {
            File.Copy(file, Path.Combine(dir.Path, Path.GetFileName(file)));
        }

        var good = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["validate", "support-agent.eval.yaml", "--live"], token);
        Assert.True(good.ExitCode == 0, good.StandardOutput + good.StandardError);

        File.AppendAllText(Path.Combine(dir.Path, "cases.jsonl"), "{\"id\": \"x\", \"input\": \"search\", \"expected_tool_calls\": [{\"name\": \"search_kbb\"}]}\n");
        var offline = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["validate", "support-agent.eval.yaml"], token);
        var live = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["validate", "support-agent.eval.yaml", "--live"], token);

        // Without --live the MCP server's tools are unknown, so the name is not checked; with it, it is.
        Assert.True(offline.ExitCode == 0, offline.StandardOutput + offline.StandardError);
        Assert.True(live.ExitCode == 2, live.StandardOutput + live.StandardError);
        Assert.Contains("cases.jsonl:6: expected_tool_calls[0].name: datapoint 'x': no model config offers a tool 'search_kbb' (did you mean 'search_kb'?)", live.StandardError, StringComparison.Ordinal);
    }
    [Fact(Timeout = 180000)]
    public async Task Validate_checks_tool_names_against_the_MCP_tool_list_a_live_run_kept_with_the_cache()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "examples", "agent")))
        {
            File.Copy(file, Path.Combine(dir.Path, Path.GetFileName(file)));
        }

        // Before any live run the cache holds no tool list: validate passes and says the MCP tool names were not checked.
        var before = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["validate", "support-agent.eval.yaml"], token);
        Assert.True(before.ExitCode == 0, before.StandardOutput + before.StandardError);
        Assert.Contains("tool names of the MCP servers of model config 'agent' were not checked: the cache (.evalrunner/cache) has no tool list of MCP server 'kb'", before.StandardOutput, StringComparison.Ordinal);

        var run = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["run", "support-agent.eval.yaml"], token);
        Assert.True(run.ExitCode == 1, run.StandardOutput + run.StandardError);

        File.AppendAllText(Path.Combine(dir.Path, "cases.jsonl"), "{\"id\": \"x\", \"input\": \"search\", \"expected_tool_calls\": [{\"name\": \"search_kbb\"}]}\n");
        var cached = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["validate", "support-agent.eval.yaml"], token);

        // The live run kept the server's tool list with the cache; validate reads it and starts no server.
        Assert.True(cached.ExitCode == 2, cached.StandardOutput + cached.StandardError);
        Assert.Contains("cases.jsonl:6: expected_tool_calls[0].name: datapoint 'x': no model config offers a tool 'search_kbb' (did you mean 'search_kb'?)", cached.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("not checked", cached.StandardOutput, StringComparison.Ordinal);
    }
}
