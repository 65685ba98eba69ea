using System.Text.Json;
using EvalRunner.Testing;
using EvalRunner.Tests.Reports;

namespace EvalRunner.Tests.Cli;

public sealed class ModelOverrideCliTests
{
    [Fact(Timeout = 180000)]
    public async Task Model_replaces_a_configs_model_and_adds_a_config_copied_from_the_first_then_reports_them_side_by_side()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        ModelsFixture.Answer(server);
        using var dir = new TempDirectory();
        var suite = ModelsFixture.WriteSuite(dir, $"{{name: base, provider: openai, model: gpt-old, base_url: '{server.BaseUrl}', temperature: 0.2}}");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out", "--cache", "off", "--model", "base=gpt-a", "--model", "candidate=gpt-b"], token);

        // candidate's mean(contains.passed) is 1/3: the thresholds fail.
        Assert.True(result.ExitCode == 1, result.StandardOutput + result.StandardError);
        Assert.Equal(60, server.Requests.Count);
        Assert.Equal(["gpt-a", "gpt-b"], server.Requests.Select(r => r.Model).Distinct().Order());
        Assert.All(server.Requests, r => Assert.Equal(0.2, r.Temperature));
        var rows = File.ReadLines(Path.Combine(dir.Path, "out", "side", "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(30, rows.Count(r => r.GetProperty("model_config").GetString() == "base"));
        Assert.Equal(30, rows.Count(r => r.GetProperty("model_config").GetString() == "candidate"));
        Assert.Contains("Aggregate thresholds by model config", result.StandardOutput, StringComparison.Ordinal);
        var summary = File.ReadAllText(Path.Combine(dir.Path, "out", "summary.md"));
        Assert.Contains("| rule | base | candidate |", summary, StringComparison.Ordinal);
        Assert.Contains("Configs disagree on 20 of 30 datapoints.", summary, StringComparison.Ordinal);

        // Resuming with another model is resuming another run.
        var resumed = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--resume", "out", "--cache", "off", "--model", "base=gpt-a", "--model", "candidate=gpt-c"], token);
        Assert.True(resumed.ExitCode == 2, resumed.StandardOutput + resumed.StandardError);
        Assert.Contains("--model candidate changed", resumed.StandardError + resumed.StandardOutput, StringComparison.Ordinal);
    }

    [Theory(Timeout = 180000)]
    [InlineData("gpt-b", "--model 'gpt-b' is not NAME=MODEL")]
    [InlineData("=gpt-b", "both NAME and MODEL must be given")]
    [InlineData("candidate=", "both NAME and MODEL must be given")]
    [InlineData(" candidate=gpt-b", "may not start or end with spaces")]
    [InlineData("bot=gpt-b", "model config 'bot' of suite 'cmd' uses the command provider, which has no model to replace")]
    [InlineData("other=gpt-b", "suite 'cmd' has no model config 'other', and its first, 'bot', uses the command provider")]
    public async Task A_bad_model_override_exits_2_before_anything_runs(string value, string message)
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"input\":\"x\"}\n");
        var suite = dir.File("cmd.eval.yaml", "name: cmd\ndataset: cases.jsonl\nmodels: [{name: bot, provider: command, command: [python3, -c, 'print(1)']}]\nevaluators: [{type: length}]\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out", "--model", value], token);

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out")));
    }

    [Fact(Timeout = 180000)]
    public async Task The_same_model_config_given_twice_exits_2()
    {
        using var dir = new TempDirectory();
        var suite = ModelsFixture.WriteSuite(dir, "{name: base, provider: openai, model: gpt-a, base_url: 'http://127.0.0.1:9/v1/'}");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--dry-run", "--model", "x=gpt-a", "--model", "x=gpt-b"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        Assert.Contains("--model x=... is given 2 times", result.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Compare_models_pairs_two_configs_of_one_run_by_datapoint_with_the_comparison_engine()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await ModelsFixture.RunAsync(dir, token);

        // base passes all 30, candidate 10: by the default gate, a significant regression from base to candidate.
        var worse = await EvalRunnerCli.RunAsync(dir.Path, ["compare", "out", "--models", "base", "candidate"], token);
        Assert.True(worse.ExitCode == 1, worse.StandardOutput + worse.StandardError);
        Assert.Contains("side: model config base (base) compared with candidate (head) on the same datapoints", worse.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("BROKEN", worse.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("rate(outcome.passed) >= baseline significant", worse.StandardOutput, StringComparison.Ordinal);

        var better = await EvalRunnerCli.RunAsync(dir.Path, ["compare", "out", "--models", "candidate", "base"], token);
        Assert.True(better.ExitCode == 0, better.StandardOutput + better.StandardError);
        Assert.DoesNotContain("BROKEN", better.StandardOutput, StringComparison.Ordinal);

        var unknown = await EvalRunnerCli.RunAsync(dir.Path, ["compare", "out", "--models", "base", "candidat"], token);
        Assert.True(unknown.ExitCode == 2, unknown.StandardOutput + unknown.StandardError);
        Assert.Contains("suite 'side' has no model config 'candidat' (did you mean 'candidate'?)", unknown.StandardError, StringComparison.Ordinal);

        var alone = await EvalRunnerCli.RunAsync(dir.Path, ["compare", "out"], token);
        Assert.True(alone.ExitCode == 2, alone.StandardOutput + alone.StandardError);
        Assert.Contains("or --models A B", alone.StandardError, StringComparison.Ordinal);
    }
}
