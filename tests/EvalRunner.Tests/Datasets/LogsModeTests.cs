using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Datasets;

/// <summary>Logs generated elsewhere: responses supplied with the dataset, evaluated without generating them.</summary>
public sealed class LogsModeTests
{
    private const string ExportedCsv = """
        conversation_id,user_msg,bot_reply,gold,latency,model_name
        c-1,How long is the refund window?,You have 30 days to ask for a refund.,30 days,412,bot-v2
        c-2,Do you ship to Canada?,"Yes, we ship to Canada.",Yes,388.5,bot-v2
        c-3,What is your phone number?,I cannot say.,555-0100,120,bot-v1

        """;

    private static string JudgeSuite(FakeOpenAIServer server) => $$"""
        dataset:
          path: export.csv
          fields:
            conversation_id: id
            user_msg: input
            bot_reply: generated_response
            gold: expected
            latency: latency_ms
            model_name: model
        judge:
          provider: openai
          model: judge-model
          base_url: {{server.BaseUrl}}
        evaluators:
          - name: judge
            type: llm
            prompt: |
              Question: {input.content}
              Reference answer: {output.content}
              Answer: {generated_response}
            output_schema:
              - {name: correct, type: boolean, description: Whether the answer agrees with the reference}
          - name: overlap
            type: python
            needs_expected: true
            code: |
              def main(input, output, context, full_history, generated_response, **kwargs):
                  return {"mentions_gold": output["content"].lower() in generated_response.lower()}
        thresholds:
          - rate(judge.correct) >= 0.5
        """;

    [Fact(Timeout = 120000)]
    public async Task A_csv_exported_from_another_tool_is_mapped_with_fields_and_scored_by_a_judge_and_python_without_generating()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request => request.Messages.Any(m => m.Content.Contains("555-0100", StringComparison.Ordinal)) ? """{"correct": false}""" : """{"correct": true}""";
        using var dir = new TempDirectory();
        dir.File("export.csv", ExportedCsv);

        var (result, rows) = await SuiteRun.RunAsync(dir, JudgeSuite(server), TestContext.Current.CancellationToken);

        // Three judge calls, one per supplied response, and not one generation.
        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests, request => Assert.Equal("judge-model", request.Model));

        // bot-v1's one log is judged wrong: its aggregate fails, bot-v2's passes.
        Assert.Equal(Verdict.Fail, result.Verdict);
        var refund = rows.Row("c-1");
        Assert.Equal("bot-v2", refund.GetProperty("model_config").GetString());
        Assert.Equal("You have 30 days to ask for a refund.", refund.GetProperty("log").GetProperty("generated_response").GetString());
        Assert.Equal(412, refund.GetProperty("log").GetProperty("latency_ms").GetDouble());
        Assert.True(refund.GetProperty("log").GetProperty("supplied").GetBoolean());
        Assert.Equal("30 days", refund.GetProperty("expected").GetString());
        Assert.True(refund.Evaluation("overlap").GetProperty("mentions_gold").GetBoolean());
        Assert.True(refund.Evaluation("judge").GetProperty("correct").GetBoolean());
        var phone = rows.Row("c-3");
        Assert.Equal("bot-v1", phone.GetProperty("model_config").GetString());
        Assert.False(phone.Evaluation("overlap").GetProperty("mentions_gold").GetBoolean());
        Assert.False(phone.Evaluation("judge").GetProperty("correct").GetBoolean());

        // Aggregates are per model: the two models of the logs are reported separately.
        Assert.Equal(["bot-v1", "bot-v2"], result.Models.Select(m => m.Name));
        Assert.Equal(2, result.Models[1].Rows);
        Assert.False(result.Aggregates.Single(a => a.ModelConfig == "bot-v1").Passed);
        Assert.True(result.Aggregates.Single(a => a.ModelConfig == "bot-v2").Passed);
    }

    [Fact(Timeout = 120000)]
    public async Task A_mixed_suite_generates_only_for_the_datapoints_without_a_response()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", """
            {"id": "gen-1", "input": "alpha"}
            {"id": "log-1", "input": "beta", "generated_response": "You said: beta", "model": "prod-bot", "input_tokens": 12, "output_tokens": 4}
            {"id": "gen-2", "input": "gamma"}
            {"id": "log-2", "input": "delta", "generated_response": "You said: delta"}

            """);

        var (result, rows) = await SuiteRun.RunAsync(dir, $$"""
            dataset: cases.jsonl
            models:
              - {name: local, provider: openai, model: bot, base_url: {{server.BaseUrl}}}
            evaluators:
              - {type: contains, value: "You said"}
            thresholds:
              - contains.passed == true
            """, TestContext.Current.CancellationToken);

        Assert.Equal(["alpha", "gamma"], server.Requests.Select(r => r.Messages[^1].Content).Order());
        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal(4, rows.Count);
        Assert.Equal("local", rows.Row("gen-1").GetProperty("model_config").GetString());
        Assert.Equal("prod-bot", rows.Row("log-1").GetProperty("model_config").GetString());
        Assert.Equal(12, rows.Row("log-1").GetProperty("log").GetProperty("input_tokens").GetInt64());
        Assert.Equal("supplied", rows.Row("log-2").GetProperty("model_config").GetString());
        Assert.Equal(["local", "prod-bot", "supplied"], result.Models.Select(m => m.Name));
        Assert.Equal(0, result.NotRun);
    }

    [Fact(Timeout = 120000)]
    public async Task A_log_without_latency_has_no_latency_and_a_latency_rule_over_it_is_below_its_coverage()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "a", "input": "q", "generated_response": "r", "latency_ms": 300}
            {"id": "b", "input": "q", "generated_response": "r", "latency_ms": 500}
            {"id": "c", "input": "q", "generated_response": "r"}

            """);
        const string Suite = "dataset: logs.jsonl\nevaluators:\n  - type: latency\nthresholds:\n  - p95(latency.ms) <= 1000\n";

        var (strict, rows) = await SuiteRun.RunAsync(dir, Suite, TestContext.Current.CancellationToken);
        var (lenient, _) = await SuiteRun.RunAsync(dir, Suite + "run:\n  min_coverage: 0.5\n", TestContext.Current.CancellationToken);

        Assert.Equal(JsonValueKind.Null, rows.Row("c").GetProperty("log").GetProperty("latency_ms").ValueKind);
        Assert.False(rows.Row("c").Evaluation("latency").TryGetProperty("ms", out var ms) && ms.ValueKind != JsonValueKind.Null);
        Assert.Equal(500, rows.Row("b").Evaluation("latency").GetProperty("ms").GetDouble());
        var aggregate = Assert.Single(strict.Aggregates);
        Assert.Equal((2, 3), (aggregate.Covered, aggregate.Of));
        Assert.False(aggregate.Passed);
        Assert.Equal("measured on 2 of 3 rows, below run.min_coverage 1", aggregate.CoverageProblem);
        Assert.Equal(Verdict.Fail, strict.Verdict);
        Assert.Equal(Verdict.Pass, lenient.Verdict);
    }

    [Fact(Timeout = 120000)]
    public async Task OpenAI_chat_completion_logs_are_read_directly_with_the_history_usage_and_model()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "chatcmpl-1", "object": "chat.completion", "created": 1735732800, "model": "gpt-4o-mini", "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": [{"type": "text", "text": "Refund window?"}]}], "choices": [{"index": 0, "message": {"role": "assistant", "content": "30 days."}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 21, "completion_tokens": 3}}
            {"request": {"model": "gpt-4o", "messages": [{"role": "user", "content": "Ship to Canada?"}], "metadata": {"user_id": "u-7"}}, "response": {"id": "chatcmpl-2", "created": 1735732900, "model": "gpt-4o-2024-08-06", "choices": [{"message": {"role": "assistant", "content": "Yes."}}], "usage": {"prompt_tokens": 9, "completion_tokens": 2}}}

            """);

        var (result, rows) = await SuiteRun.RunAsync(dir, """
            dataset: {path: logs.jsonl, format: openai-chat}
            evaluators:
              - {type: length}
            """, TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, result.Verdict);
        var first = rows.Row("chatcmpl-1");
        Assert.Equal("Refund window?", first.GetProperty("input").GetString());
        Assert.Equal("gpt-4o-mini", first.GetProperty("model_config").GetString());
        Assert.Equal("30 days.", first.GetProperty("log").GetProperty("generated_response").GetString());
        Assert.Equal(21, first.GetProperty("log").GetProperty("input_tokens").GetInt64());
        Assert.Equal(3, first.GetProperty("log").GetProperty("output_tokens").GetInt64());
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero), first.GetProperty("log").GetProperty("timestamp").GetDateTimeOffset());
        var second = rows.Row("chatcmpl-2");
        Assert.Equal("gpt-4o-2024-08-06", second.GetProperty("model_config").GetString());

        var datapoints = await ReadAsync(SuiteLoader.Load(Path.Combine(dir.Path, "suite.eval.yaml"), TestSettings.With()));
        Assert.Equal(["system", "user", "assistant", "user"], datapoints[0].Messages.Select(m => m.Role.Value));
        Assert.Equal("u-7", datapoints[1].Context["user_id"].GetString());
    }

    [Fact]
    public async Task Rest_context_keeps_unmapped_fields_as_context_and_json_paths_reach_nested_fields()
    {
        using var dir = new TempDirectory();
        dir.File("export.jsonl", """
            {"trace": "t-1", "request": {"messages": [{"role": "user", "content": "Hi"}]}, "reply": {"text": "Hello"}, "meta": {"user_id": "u-1"}, "region": "eu", "score": 3}

            """);
        var suite = SuiteLoader.Load(dir.File("suite.eval.yaml", """
            dataset:
              - path: export.jsonl
                fields:
                  trace: id
                  request.messages: messages
                  reply.text: generated_response
                  meta.user_id: context.user
                  rest: context
            evaluators: [{type: length}]
            """), TestSettings.With());

        var datapoint = Assert.Single(await ReadAsync(suite));

        Assert.Equal("t-1", datapoint.Id);
        Assert.Equal("Hi", datapoint.Input);
        Assert.Equal("Hello", datapoint.SuppliedLog!.Response);
        Assert.Equal("u-1", datapoint.Context["user"].GetString());
        Assert.Equal("eu", datapoint.Context["region"].GetString());
        Assert.Equal(3, datapoint.Context["score"].GetInt32());
        Assert.False(datapoint.Context.ContainsKey("meta"));
    }

    [Fact]
    public async Task OpenAI_chat_fields_paths_start_at_the_line_so_the_request_response_shape_names_request_or_response_first()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"request": {"model": "m", "messages": [{"role": "user", "content": "Refund?"}], "metadata": {"gold": "30 days."}}, "response": {"id": "r1", "created": 1735732800, "model": "m", "choices": [{"message": {"role": "assistant", "content": "30 days."}}]}}

            """);
        var path = dir.File("suite.eval.yaml", """
            dataset:
              path: logs.jsonl
              format: openai-chat
              fields: {request.metadata.gold: expected}
            evaluators: [{type: equals}]
            """);

        var datapoint = Assert.Single(await ReadAsync(SuiteLoader.Load(path, TestSettings.With())));

        Assert.Equal("30 days.", datapoint.Expected?.GetString());
    }

    [Fact]
    public void An_unknown_field_target_is_a_suite_error_with_its_line_and_a_suggestion()
    {
        using var dir = new TempDirectory();
        dir.File("export.csv", ExportedCsv);
        var path = dir.File("suite.eval.yaml", """
            dataset:
              path: export.csv
              fields:
                user_msg: input
                bot_reply: generated_respons
            evaluators: [{type: length}]
            """);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Contains($"{path}:5:16: dataset.fields.bot_reply: unknown target 'generated_respons' (did you mean 'generated_response'?)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_evaluator_that_needs_expected_on_logs_without_one_is_a_check_error_naming_it_and_the_datapoints()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "a", "input": "q1", "generated_response": "r1", "expected": "r1"}
            {"id": "b", "input": "q2", "generated_response": "r2"}
            {"id": "c", "input": "q3", "generated_response": "r3"}

            """);
        var path = dir.File("suite.eval.yaml", """
            dataset: logs.jsonl
            evaluators:
              - {type: length}
              - {name: exact, type: equals}
            """);
        var suite = SuiteLoader.Load(path, TestSettings.With());

        var ex = await Assert.ThrowsAsync<SuiteException>(() => SuiteLoader.CheckAsync(suite, TestSettings.With(), TestContext.Current.CancellationToken));

        Assert.StartsWith($"{path}:4:5: evaluators[1]: evaluator 'exact' compares with the expected answer, but 2 supplied responses have no 'expected': b, c;", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_datapoint_without_a_response_in_a_suite_without_models_is_an_error_naming_its_line()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "a", "input": "q1", "generated_response": "r1"}
            {"id": "b", "input": "q2"}

            """);

        var ex = await Assert.ThrowsAsync<DatasetException>(() => SuiteRun.RunAsync(dir, "dataset: logs.jsonl\nevaluators: [{type: length}]\n", TestContext.Current.CancellationToken));

        Assert.Contains("logs.jsonl:2: generated_response: datapoint 'b' has no response, and the suite has no models to generate one", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out", "results.jsonl")));
    }

    [Fact(Timeout = 60000)]
    public async Task Datapoints_without_responses_pass_the_check_for_a_test_project_and_a_run_of_the_checked_suite_refuses_them()
    {
        // A test project supplies its own responses (EvalCase.EvaluateAsync): the check phase lets the suite through.
        // A run cannot generate them: it refuses them, also when the suite passed that check before.
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "a", "input": "q1"}
            {"id": "b", "input": "q2"}

            """);
        var settings = TestSettings.With();
        var suite = SuiteLoader.Load(dir.File("suite.eval.yaml", "dataset: logs.jsonl\nevaluators: [{type: length}]\n"), settings);

        await SuiteLoader.CheckAsync(suite, settings, TestContext.Current.CancellationToken);
        var ex = await Assert.ThrowsAsync<DatasetException>(() => new RunEngine(settings).RunAsync(suite, new RunRequest { OutputDirectory = Path.Combine(dir.Path, "out") }, TestContext.Current.CancellationToken));

        Assert.Contains("logs.jsonl:1: generated_response: datapoint 'a' has no response, and the suite has no models to generate one", ex.Message, StringComparison.Ordinal);
        Assert.Contains("logs.jsonl:2: generated_response: datapoint 'b' has no response", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out", "results.jsonl")));
    }

    [Fact]
    public async Task A_log_field_without_a_response_and_an_unmapped_column_are_dataset_errors()
    {
        using var dir = new TempDirectory();
        dir.File("logs.jsonl", """
            {"id": "a", "input": "q1", "latency_ms": 12}

            """);
        dir.File("export.csv", "id,question,answer,extra\na,q,r,x\n");
        var logs = SuiteLoader.Load(dir.File("logs.eval.yaml", "dataset: logs.jsonl\nevaluators: [{type: length}]\n"), TestSettings.With());
        var csv = SuiteLoader.Load(dir.File("csv.eval.yaml", "dataset: {path: export.csv, fields: {question: input, answer: generated_response}}\nevaluators: [{type: length}]\n"), TestSettings.With());

        var missing = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(logs));
        var unmapped = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(csv));

        Assert.Contains("logs.jsonl:1: latency_ms: 'latency_ms' describes a response generated elsewhere, but the datapoint has no 'generated_response'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("export.csv:2: extra: unknown field 'extra'", unmapped.Message, StringComparison.Ordinal);
        Assert.Contains("rest: context", unmapped.Message, StringComparison.Ordinal);
    }

    private static async Task<List<Datapoint>> ReadAsync(Suite suite)
    {
        var datapoints = new List<Datapoint>();
        await foreach (var datapoint in suite.ReadDatapointsAsync(TestContext.Current.CancellationToken))
        {
            datapoints.Add(datapoint);
        }

        return datapoints;
    }
}
