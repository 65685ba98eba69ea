using System.Reflection;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Cli;

/// <summary>Provider faults seen through the real <c>evalrunner run</c> process: exit code, console and run.json.</summary>
public sealed class ProviderFaultCliTests
{

    private static Task<BufferedCommandResult> RunAsync(TempDirectory dir, FakeOpenAIServer server, string run, CancellationToken cancellationToken)
    {
        dir.File("cases.jsonl", string.Join('\n', Enumerable.Range(0, 30).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"question {i}\",\"expected\":\"question {i}\"}}")));
        dir.File("s.eval.yaml", $"name: faults\ndataset: cases.jsonl\nmodels:\n  - {{name: gpt, provider: openai, model: gpt-4o-mini, base_url: \"{server.BaseUrl}\", api_key: sk-cli-fault-secret-9}}\nevaluators:\n  - type: contains\nthresholds:\n  - contains.passed == true\nrun:\n{run}");
        return EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--out", "out", "--cache", "off"], cancellationToken);
    }

    private static JsonElement RunJson(TempDirectory dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "faults", "run.json"))).RootElement;

    [Fact(Timeout = 180000)]
    public async Task A_quota_429_on_every_row_stops_the_run_with_exit_code_2_and_says_why()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1000, 429, FakeOpenAIServer.QuotaBody);
        using var dir = new TempDirectory();

        var result = await RunAsync(dir, server, "  concurrency: 1\n", TestContext.Current.CancellationToken);

        var output = result.StandardOutput + result.StandardError;
        Assert.True(result.ExitCode == 2, output);
        Assert.Contains("no quota left", output, StringComparison.Ordinal);
        Assert.Contains("rows were not run", output, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-cli-fault-secret-9", output, StringComparison.Ordinal);
        Assert.True(server.RequestCount <= 6, $"{server.RequestCount} requests");
        var run = RunJson(dir);
        Assert.Equal("error", run.GetProperty("verdict").GetString());
        Assert.Equal(30 - run.GetProperty("rows").GetInt32(), run.GetProperty("not_run").GetInt32());
    }

    [Fact(Timeout = 180000)]
    public async Task A_long_Retry_After_fails_each_row_at_once_instead_of_sleeping()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(2, 429, "{\"error\":{\"message\":\"Rate limit reached\"}}", ("Retry-After", "3600"));
        using var dir = new TempDirectory();

        var result = await RunAsync(dir, server, "  concurrency: 1\n  timeout: 3h\n", TestContext.Current.CancellationToken);

        var output = result.StandardOutput + result.StandardError;
        Assert.True(result.ExitCode == 1, output);
        Assert.Contains("rate limited; the provider asked to wait 3600 s", output, StringComparison.Ordinal);
        Assert.Equal(30 + 0, server.RequestCount);
        Assert.Equal(2, RunJson(dir).GetProperty("errors").GetInt32());
    }

    [Fact(Timeout = 180000)]
    public async Task Unusable_200_answers_are_retried_and_counted_in_run_json_and_the_console()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.AnswerNext(2, "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}");
        server.AnswerNext(1, "{\"error\":{\"message\":\"upstream failed\"}}");
        using var dir = new TempDirectory();

        var result = await RunAsync(dir, server, "  concurrency: 1\n", TestContext.Current.CancellationToken);

        var output = result.StandardOutput + result.StandardError;
        Assert.True(result.ExitCode == 0, output);
        Assert.Contains("3 retries (3 after unusable answer)", output, StringComparison.Ordinal);
        var run = RunJson(dir);
        Assert.Equal(3, run.GetProperty("retries").GetProperty("unusable").GetInt32());
        Assert.Equal(1, run.GetProperty("concurrency").GetProperty("configured").GetInt32());
    }
}
