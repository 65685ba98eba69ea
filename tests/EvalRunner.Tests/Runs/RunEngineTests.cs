using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Runs;

public sealed class RunEngineTests
{
    private const string EchoBot = """
        import json, sys
        d = json.load(sys.stdin)
        text = d.get("prompt") or d["input"]
        if "crash" in text:
            sys.stderr.write("bot crashed on purpose\n")
            sys.exit(3)
        print("Answer: " + text)
        """;

    private static Settings Env(params (string Name, string Value)[] variables) => TestSettings.With(variables);

    [Fact(Timeout = 120000)]
    public async Task A_command_suite_runs_every_datapoint_writes_rows_and_decides_by_thresholds()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", EchoBot);
        dir.File("cases.jsonl", """
            {"id": "short", "input": "hello", "expected": "hello", "tags": ["greeting"]}
            {"id": "long", "input": "one two three four five six", "expected": "six"}
            {"id": "missing", "input": "nothing here", "expected": "absent"}
            """);
        var path = dir.File("s.eval.yaml", """
            dataset: cases.jsonl
            models:
              - name: echo
                provider: command
                command: python3 bot.py
            evaluators:
              - type: contains
              - type: length
            thresholds:
              - length.words <= 6
              - mean(contains.passed) >= 0.5
            """);

        var (result, rows) = await SuiteRun.RunAsync(path, Env(), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Equal((3, 2, 1, 0), (result.Rows, result.Passed, result.Failed, result.Errors));
        var aggregate = Assert.Single(result.Aggregates);
        Assert.Equal(2.0 / 3, aggregate.Value!.Value, 6);
        Assert.True(aggregate.Passed);
        var longRow = rows.Single(r => r.GetProperty("datapoint_id").GetString() == "long");
        Assert.Equal("fail", longRow.GetProperty("outcome").GetString());
        Assert.Equal("length.words <= 6 (was 7)", longRow.GetProperty("failed_rules")[0].GetString());
        Assert.Equal("Answer: one two three four five six", longRow.GetProperty("log").GetProperty("generated_response").GetString());
        Assert.True(longRow.GetProperty("evaluations").GetProperty("contains").GetProperty("passed").GetBoolean());
        Assert.Equal("1 of 3 rows failed a per-datapoint threshold", result.Reason);

        var runJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "run.json"))).RootElement;
        Assert.Equal("fail", runJson.GetProperty("verdict").GetString());
        Assert.Equal(3, runJson.GetProperty("rows").GetInt32());
        Assert.Equal("mean(contains.passed) >= 0.5", runJson.GetProperty("aggregates")[0].GetProperty("rule").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task A_failed_generation_is_an_error_row_with_the_programs_message_and_never_a_pass()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", EchoBot);
        dir.File("cases.jsonl", "{\"id\":\"ok\",\"input\":\"fine\"}\n{\"id\":\"boom\",\"input\":\"crash now\"}\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {name: bot, provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\n");

        var (result, rows) = await SuiteRun.RunAsync(path, Env(), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Equal((1, 1), (result.Passed, result.Errors));
        var boom = rows.Single(r => r.GetProperty("datapoint_id").GetString() == "boom");
        Assert.Equal("error", boom.GetProperty("outcome").GetString());
        Assert.Equal("generation failed (bot): command 'python3 bot.py' exited with code 3: bot crashed on purpose", boom.GetProperty("error").Message());
        Assert.StartsWith("1 of 2 rows errored", result.Reason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_generation_past_the_timeout_is_an_error_row_and_the_run_goes_on()
    {
        // The hung request never answers and the run's clock is fake: the timeout fires when the test advances the
        // clock, after the other rows have finished, so no row can time out because the machine is slow.
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.HangWhenPromptContains("slow");
        var time = new FakeTimeProvider();
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"ok\",\"input\":\"fine\"}\n{\"id\":\"hang\",\"input\":\"slow one\"}\n{\"id\":\"also-ok\",\"input\":\"fine too\"}\n");
        var path = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels:\n  - {{name: bot, provider: openai, model: m, base_url: \"{server.BaseUrl}\"}}\nevaluators:\n  - type: length\nrun:\n  timeout: 1s\n  request_timeout: 10m\n  retries: 0\n  fail_on_error: false\n");
        var finished = new RowsFinished(2);

        var running = SuiteRun.RunAsync(path, Env(), new SuiteRunOptions { TimeProvider = time, Request = new RunRequest { OutputDirectory = "", Observer = finished } }, TestContext.Current.CancellationToken);
        await server.WaitForHangingRequestAsync(TestContext.Current.CancellationToken);
        await finished.Task.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1));
        var (result, rows) = await running;

        Assert.Equal(Verdict.Pass, result.Verdict);
        var timedOut = rows.Single(r => r.GetProperty("outcome").GetString() == "error").GetProperty("error");
        Assert.Equal("generation failed (bot): timed out after 1s (run.timeout)", timedOut.Message());
        Assert.Equal("timeout", timedOut.Kind());
        Assert.Equal("hang", rows.Single(r => r.GetProperty("outcome").GetString() == "error").GetProperty("datapoint_id").GetString());
        Assert.Equal((3, 2, 1), (result.Rows, result.Passed, result.Errors));
    }

    [Fact(Timeout = 120000)]
    public async Task A_run_in_which_every_row_errored_is_an_error_not_a_pass()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", EchoBot);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"crash\"}\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {name: bot, provider: command, command: [python3, bot.py]}\nrun:\n  fail_on_error: false\n");

        var (result, _) = await SuiteRun.RunAsync(path, Env(), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Error, result.Verdict);
        Assert.StartsWith("nothing was measured: all 1 rows errored", result.Reason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task The_openai_provider_generates_through_the_chat_completions_endpoint_with_token_usage()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request => $"The answer is {request.Messages[^1].Content.Length}.";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"abcd\",\"context\":{\"lang\":\"en\"}}\n{\"id\":\"b\",\"input\":\"xy\",\"context\":{\"lang\":\"fr\"}}\n");
        var path = dir.File("s.eval.yaml", $$"""
            dataset: cases.jsonl
            models:
              - name: gpt
                provider: openai
                model: test-model
                base_url: {{server.BaseUrl}}
                api_key: ${TEST_API_KEY}
                temperature: 0
                system_prompt: Be brief.
                template: "[{context.lang}] {input.content}"
            evaluators:
              - type: regex
                pattern: 'answer is \d+'
              - type: latency
            thresholds:
              - regex.passed == true
            """);

        var (result, rows) = await SuiteRun.RunAsync(path, Env(("TEST_API_KEY", "sk-test-1234")), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal(2, server.Requests.Count);
        var request = server.Requests.Single(r => r.Messages[^1].Content.StartsWith("[en]", StringComparison.Ordinal));
        Assert.Equal("test-model", request.Model);
        Assert.Equal(0, request.Temperature);
        Assert.Equal("Bearer sk-test-1234", request.Authorization);
        Assert.Equal(["system", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal("Be brief.", request.Messages[0].Content);
        Assert.Equal("[en] abcd", request.Messages[1].Content);
        var row = rows.Single(r => r.GetProperty("datapoint_id").GetString() == "a");
        Assert.Equal("The answer is 9.", row.GetProperty("log").GetProperty("generated_response").GetString());
        Assert.Equal(4, row.GetProperty("log").GetProperty("input_tokens").GetInt64());
        Assert.Equal(4, row.GetProperty("log").GetProperty("output_tokens").GetInt64());
        Assert.Equal(8, result.Models[0].OutputTokens);
    }

    [Fact(Timeout = 120000)]
    public async Task An_unreachable_endpoint_is_an_error_row_naming_the_endpoint_and_never_showing_the_key()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        var path = dir.File("s.eval.yaml", """
            dataset: cases.jsonl
            models:
              - name: down
                provider: openai
                model: m
                base_url: http://127.0.0.1:1/v1/
                api_key: ${OPENAI_API_KEY}
            """);

        var (result, rows) = await SuiteRun.RunAsync(path, Env(("OPENAI_API_KEY", "sk-never-shown-0001")), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Error, result.Verdict);
        var error = rows[0].GetProperty("error").Message()!;
        Assert.StartsWith("generation failed (down): OpenAI endpoint http://127.0.0.1:1/v1/: ", error, StringComparison.Ordinal);
        Assert.Contains("Connection refused", error, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-never-shown-0001", File.ReadAllText(Path.Combine(dir.Path, "out", "results.jsonl")), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-never-shown-0001", File.ReadAllText(Path.Combine(dir.Path, "out", "run.json")), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_secret_echoed_back_in_a_provider_error_is_redacted()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(10, 401, "{\"error\":{\"message\":\"Incorrect API key provided: sk-echoed-secret-42\"}}");
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        var path = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels:\n  - provider: openai\n    model: m\n    base_url: {server.BaseUrl}\n    api_key: sk-echoed-secret-42\n");

        var (_, rows) = await SuiteRun.RunAsync(path, Env(), TestContext.Current.CancellationToken);

        var error = rows[0].GetProperty("error").Message()!;
        Assert.True(error.Contains("Incorrect API key provided: ***", StringComparison.Ordinal), error);
        Assert.DoesNotContain("sk-echoed-secret-42", File.ReadAllText(Path.Combine(dir.Path, "out", "results.jsonl")), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Several_model_configs_run_side_by_side_with_aggregates_per_model_config()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request => request.Model == "good" ? "yes" : "no";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"q1\",\"expected\":\"yes\"}\n{\"id\":\"b\",\"input\":\"q2\",\"expected\":\"yes\"}\n");
        var path = dir.File("s.eval.yaml", $$"""
            dataset: cases.jsonl
            models:
              - {provider: openai, model: good, base_url: "{{server.BaseUrl}}"}
              - {provider: openai, model: bad, base_url: "{{server.BaseUrl}}"}
            evaluators:
              - type: equals
            thresholds:
              - rate(equals.passed) >= 0.5
            """);

        var (result, rows) = await SuiteRun.RunAsync(path, Env(), TestContext.Current.CancellationToken);

        Assert.Equal(4, rows.Count);
        Assert.Equal(["good", "bad"], result.Aggregates.Select(a => a.ModelConfig));
        Assert.Equal([1.0, 0.0], result.Aggregates.Select(a => a.Value!.Value));
        Assert.Equal(Verdict.Fail, result.Verdict);
        Assert.Contains("rate(equals.passed) >= 0.5 [bad] was 0", result.Reason, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task The_filter_selects_datapoints_by_id_or_tag()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", EchoBot);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"1\",\"tags\":[\"x\"]}\n{\"id\":\"b\",\"input\":\"2\"}\n{\"id\":\"c\",\"input\":\"3\",\"tags\":[\"x\"]}\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\n");

        var (_, byTag) = await SuiteRun.RunAsync(path, Env(), new RunRequest { OutputDirectory = "", Filter = new DatapointFilter { Terms = ["tag:x"] } }, TestContext.Current.CancellationToken);
        var ids = byTag.Select(r => r.GetProperty("datapoint_id").GetString()).Order().ToList();
        var (_, byId) = await SuiteRun.RunAsync(path, Env(), new RunRequest { OutputDirectory = "", Filter = new DatapointFilter { Terms = ["b"] } }, TestContext.Current.CancellationToken);

        Assert.Equal(["a", "c"], ids);
        Assert.Equal("b", Assert.Single(byId).GetProperty("datapoint_id").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task Cancelling_a_run_keeps_every_finished_row_and_says_so()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", string.Join('\n', Enumerable.Range(0, 40).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"q{i}\"}}")));
        var path = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels:\n  - {{provider: openai, model: m, base_url: \"{server.BaseUrl}\"}}\nrun:\n  concurrency: 2\n");
        server.Latency = TimeSpan.FromMilliseconds(50);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var observer = new CancelAfterRows(5, cancel);

        var (result, rows) = await SuiteRun.RunAsync(path, Env(), new RunRequest { OutputDirectory = "", Observer = observer }, cancel.Token);

        Assert.Equal(Verdict.Cancelled, result.Verdict);
        Assert.InRange(rows.Count, 5, 39);
        Assert.Equal(result.Rows, rows.Count);
        Assert.All(rows, row => Assert.Equal("pass", row.GetProperty("outcome").GetString()));
        Assert.Equal("cancelled", JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "run.json"))).RootElement.GetProperty("verdict").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task Generations_run_concurrently_up_to_the_configured_concurrency()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var current = 0;
        var peak = 0;
        server.Respond = _ =>
        {
            var now = Interlocked.Increment(ref current);
            InterlockedMax(ref peak, now);
            Thread.Sleep(30);
            Interlocked.Decrement(ref current);
            return "ok";
        };
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", string.Join('\n', Enumerable.Range(0, 24).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"q{i}\"}}")));
        var path = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels:\n  - {{provider: openai, model: m, base_url: \"{server.BaseUrl}\"}}\nrun:\n  concurrency: 4\n");

        var (result, _) = await SuiteRun.RunAsync(path, Env(), TestContext.Current.CancellationToken);

        Assert.Equal(24, result.Passed);
        Assert.InRange(peak, 2, 4);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
            seen = Volatile.Read(ref target);
        }
    }

    /// <summary>Completes its task once <paramref name="rows"/> rows have finished.</summary>
    private sealed class RowsFinished(int rows) : IRunObserver
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _seen;

        public Task Task => _done.Task;

        public void Started(int total)
        {
        }

        public void RowFinished(Row row)
        {
            if (Interlocked.Increment(ref _seen) >= rows)
            {
                _done.TrySetResult();
            }
        }
    }

    private sealed class CancelAfterRows(int rows, CancellationTokenSource cancel) : IRunObserver
    {
        private int _seen;

        public void Started(int total)
        {
        }

        public void RowFinished(Row row)
        {
            if (++_seen == rows)
            {
                cancel.Cancel();
            }
        }
    }
}
