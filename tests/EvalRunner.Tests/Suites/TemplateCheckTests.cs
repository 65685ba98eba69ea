using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Suites;

/// <summary>The check phase finds a <c>{context.NAME}</c> that datapoints lack, before any generation.</summary>
public sealed class TemplateCheckTests
{
    private static string Dataset(int withPolicy, int without) =>
        string.Concat(Enumerable.Range(0, withPolicy).Select(i => $"{{\"id\":\"ok-{i}\",\"input\":\"q\",\"context\":{{\"policy\":\"30 days\"}}}}\n"))
        + string.Concat(Enumerable.Range(0, without).Select(i => $"{{\"id\":\"bare-{i:00}\",\"input\":\"q\",\"context\":{{\"other\":1}}}}\n"));

    private static string Suite(Uri baseUrl) => $"""
        dataset: cases.jsonl
        models:
          - name: bot
            provider: openai
            model: gpt-4o-mini
            base_url: {baseUrl}
            api_key: sk-test
            template: "Policy: {"{"}context.policy{"}"}. Question: {"{"}input.content{"}"}"
        evaluators:
          - type: length
        """;

    [Fact(Timeout = 60000)]
    public async Task A_context_variable_that_datapoints_lack_stops_the_run_before_any_request_naming_ten_of_them_and_the_count_of_the_rest()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(withPolicy: 3, without: 13));

        var ex = await Assert.ThrowsAsync<SuiteException>(() => SuiteRun.RunAsync(dir, Suite(server.BaseUrl), TestContext.Current.CancellationToken));

        Assert.Equal(0, server.RequestCount);
        Assert.Equal(8, ex.Location.Line);
        Assert.Equal("models[0].template", ex.Location.Field);
        Assert.EndsWith(
            "the template uses {context.policy}, but 13 datapoints have no context.policy: "
            + "bare-00, bare-01, bare-02, bare-03, bare-04, bare-05, bare-06, bare-07, bare-08, bare-09 and 3 more; add it to their context, or remove it from the template",
            ex.Message,
            StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out", "results.jsonl")));
    }

    [Fact(Timeout = 60000)]
    public async Task A_judge_prompt_with_a_missing_nested_context_value_is_found_by_the_check_phase_at_its_line()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"q\",\"context\":{\"user\":{\"name\":\"Ann\"}}}\n{\"id\":\"b\",\"input\":\"q\",\"context\":{\"user\":{}}}\n");
        var path = dir.File("s.eval.yaml", """
            dataset: cases.jsonl
            models: [{provider: command, command: [python3, -c, "print('hi')"]}]
            judge: {provider: openai, model: gpt-4o-mini, base_url: "http://127.0.0.1:9/v1/", api_key: sk-test}
            evaluators:
              - name: judge
                type: llm
                prompt: "Was {generated_response} right for {context.user.name}?"
                output_schema: {ok: bool}
            """);
        var settings = TestSettings.With();
        var suite = SuiteLoader.Load(path, settings);

        var ex = await Assert.ThrowsAsync<SuiteException>(() => SuiteLoader.CheckAsync(suite, settings, TestContext.Current.CancellationToken));

        Assert.Equal(7, ex.Location.Line);
        Assert.Contains("evaluators[0].prompt: the template uses {context.user.name}, but 1 datapoint has no context.user.name: b;", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Datapoints_that_all_have_the_context_pass_the_check_and_run()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset(withPolicy: 2, without: 0));

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server.BaseUrl), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal(2, rows.Count);
        Assert.Equal(2, server.RequestCount);
    }
}
