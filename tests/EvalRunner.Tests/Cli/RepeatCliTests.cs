using System.Text.Json;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Cli;

/// <summary><c>evalrunner run --repeat K</c> as a process.</summary>
public sealed class RepeatCliTests
{
    [Fact(Timeout = 180000)]
    public async Task Repeat_overrides_the_suite_and_the_console_shows_the_trials()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var calls = 0;
        server.Respond = _ => Interlocked.Increment(ref calls) % 2 == 0 ? "yes" : "no";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"x\", \"expected\": \"yes\"}\n");
        var suite = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels: [{{name: bot, provider: openai, model: bot, base_url: \"{server.BaseUrl}\"}}]\nevaluators: [{{type: contains}}]\nthresholds: [contains.passed == true]\nrun: {{min_passes: 1}}\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--repeat", "2", "--cache", "off"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var rows = File.ReadAllLines(Path.Combine(dir.Path, "evalrunner-results", "s", "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1, 2], rows.Select(r => r.TryGetProperty("trial", out var t) ? t.GetInt32() : 1).Order());
        Assert.Equal(2, server.RequestCount);
        Assert.Contains("2 trials each, passing with at least 1: 1 datapoints, 1 passed, 0 failed, 0 errored, 1 flaky", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("flaky datapoints (some trials passed, some did not): a [bot] 1/2", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("pass@2 100.0%, pass^2 0.0%", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [InlineData("0")]
    [InlineData("1001")]
    public async Task A_repeat_out_of_range_is_refused_before_anything_runs(string repeat)
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"x\"}\n");
        var suite = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels: [{provider: openai, model: bot, base_url: \"http://127.0.0.1:9/v1/\"}]\nevaluators: [{type: length}]\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--repeat", repeat], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--repeat must be a whole number from 1 to 1000, not {repeat}", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "evalrunner-results")));
    }
}
