using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Evaluators;

/// <summary>Python evaluators on the real python3.</summary>
public sealed class PythonEvaluatorTests
{
    // The example function of the reference document, unchanged, as shipped in examples/python-evaluator.
    private static readonly string ReferenceExample =
        File.ReadAllText(Path.Combine(Repository.Root, "examples", "python-evaluator", "evaluators", "quality.py"));

    private const string Bot = "import json,sys\nd=json.load(sys.stdin)\nprint({'a': 'The answer is 4. Happy to help!', 'b': 'No idea', 'c': 'crash', 'd': 'sleep', 'e': 'print'}[d['id']])\n";

    private static TempDirectory Setup(string python, string dataset)
    {
        var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("evaluators/quality.py", python);
        dir.File("cases.jsonl", dataset);
        return dir;
    }

    private static string Suite(string options = "") => $"""
        dataset: cases.jsonl
        models: [{"{"}name: bot, provider: command, command: [python3, bot.py]{"}"}]
        evaluators:
          - name: quality
            type: python
            file: evaluators/quality.py
            columns: {"{"}correct_answer: bool, response_length: integer, politeness_score: float, topic: string{"}"}
        {options}
        """;

    [Fact(Timeout = 120000)]
    public async Task The_reference_documents_example_runs_unchanged_and_its_keys_become_typed_columns()
    {
        using var dir = Setup(ReferenceExample, """
            {"id": "a", "input": "What is 2+2?", "expected": "4", "context": {"topic": "math"}}
            {"id": "b", "input": "What is 3+3?", "expected": "6"}
            """);

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite("thresholds:\n  - quality.response_length <= 10\n  - mean(quality.correct_answer) >= 0.5\n"), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, result.Verdict);
        var a = rows.Row("a").Evaluation("quality");
        Assert.True(a.GetProperty("correct_answer").GetBoolean());
        Assert.Equal(7, a.GetProperty("response_length").GetInt64());
        Assert.Equal(1.0, a.GetProperty("politeness_score").GetDouble());
        Assert.Equal("math", a.GetProperty("topic").GetString());
        var b = rows.Row("b").Evaluation("quality");
        Assert.False(b.GetProperty("correct_answer").GetBoolean());
        Assert.Equal("unknown", b.GetProperty("topic").GetString());
        Assert.Equal(0.0, b.GetProperty("politeness_score").GetDouble());
    }

    [Fact(Timeout = 120000)]
    public async Task A_Python_file_that_starts_with_a_UTF8_byte_order_mark_runs()
    {
        using var dir = Setup("\ufeffdef main(generated_response, **kwargs):\n    return {'ok': generated_response.startswith('The answer')}\n", """
            {"id": "a", "input": "q"}
            """);

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite().Replace("correct_answer: bool, response_length: integer, politeness_score: float, topic: string", "ok: bool", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        Assert.Equal((1, 0), (result.Passed, result.Errors));
        Assert.True(rows.Row("a").Evaluation("quality").GetProperty("ok").GetBoolean());
    }

    [Fact(Timeout = 120000)]
    public async Task A_function_that_raises_fails_only_its_datapoint_with_the_traceback()
    {
        using var dir = Setup("def main(generated_response, **kwargs):\n    if generated_response == 'crash':\n        raise ValueError('cannot score this')\n    return {'ok': True}\n", """
            {"id": "a", "input": "q"}
            {"id": "c", "input": "q"}
            """);

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite().Replace("correct_answer: bool, response_length: integer, politeness_score: float, topic: string", "ok: bool", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        Assert.Equal((1, 1), (result.Passed, result.Errors));
        var error = rows.Row("c").EvaluationError("quality").Message()!;
        Assert.StartsWith("ValueError: cannot score this\nTraceback (most recent call last):", error, StringComparison.Ordinal);
        Assert.Contains("quality.py\", line 3, in main", error, StringComparison.Ordinal);
        Assert.True(rows.Row("a").Evaluation("quality").GetProperty("ok").GetBoolean());
    }

    [Fact(Timeout = 120000)]
    public async Task A_function_past_the_timeout_fails_its_datapoint_and_the_restarted_worker_scores_the_others()
    {
        using var dir = Setup("import time\ndef main(generated_response, **kwargs):\n    if generated_response == 'sleep':\n        time.sleep(30)\n    return {'ok': True}\n", """
            {"id": "d", "input": "q"}
            {"id": "a", "input": "q"}
            {"id": "b", "input": "q"}
            """);

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite("run: {concurrency: 1}\n").Replace("columns: {correct_answer: bool, response_length: integer, politeness_score: float, topic: string}", "timeout: 1s", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        Assert.Equal((2, 1), (result.Passed, result.Errors));
        Assert.Equal("timeout", rows.Row("d").EvaluationError("quality").Kind());
        Assert.Equal("main() did not return within 1s; the worker was restarted", rows.Row("d").EvaluationError("quality").Message());
        Assert.True(rows.Row("b").Evaluation("quality").GetProperty("ok").GetBoolean());
    }

    [Fact(Timeout = 120000)]
    public async Task A_worker_that_crashes_fails_only_its_datapoint_and_a_new_worker_scores_the_others()
    {
        using var dir = Setup("import os, sys\ndef main(generated_response, **kwargs):\n    if generated_response == 'crash':\n        sys.stderr.write('segfault-like exit\\n')\n        os._exit(3)\n    return {'ok': True}\n", """
            {"id": "a", "input": "q"}
            {"id": "c", "input": "q"}
            {"id": "b", "input": "q"}
            """);

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite("run: {concurrency: 1}\n").Replace("correct_answer: bool, response_length: integer, politeness_score: float, topic: string", "ok: bool", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        Assert.Equal((2, 1), (result.Passed, result.Errors));
        Assert.Equal("the Python worker exited with code 3:\nsegfault-like exit", rows.Row("c").EvaluationError("quality").Message());
        Assert.True(rows.Row("b").Evaluation("quality").GetProperty("ok").GetBoolean());
    }

    [Fact(Timeout = 120000)]
    public async Task Output_printed_by_the_function_does_not_break_the_protocol()
    {
        using var dir = Setup("def main(generated_response, **kwargs):\n    print('debug:', generated_response)\n    print('{\"id\": 1, \"ok\": false}')\n    return {'length': len(generated_response), 'nested': {'a': [1, 2]}}\n", """
            {"id": "e", "input": "q"}
            """);

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite().Replace("correct_answer: bool, response_length: integer, politeness_score: float, topic: string", "length: integer", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, result.Verdict);
        var quality = rows.Row("e").Evaluation("quality");
        Assert.Equal(5, quality.GetProperty("length").GetInt64());
        Assert.Equal("{\"a\": [1, 2]}", quality.GetProperty("nested").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task A_syntax_error_is_reported_before_the_run_with_the_file_and_line()
    {
        using var dir = Setup("def main(**kwargs):\n    return {'ok': True}\n\ndef broken(:\n    pass\n", "{\"id\": \"a\", \"input\": \"q\"}\n");
        var path = dir.File("s.eval.yaml", Suite());

        var ex = await Assert.ThrowsAsync<SuiteException>(() => LoadAndCheckAsync(path, TestContext.Current.CancellationToken));

        Assert.Equal("evaluators/quality.py:4: python evaluator 'quality': SyntaxError: invalid syntax", ex.Message);
    }

    [Fact(Timeout = 120000)]
    public async Task A_file_without_main_and_a_missing_interpreter_are_reported_before_the_run()
    {
        using var dir = Setup("def evaluate(**kwargs):\n    return {}\n", "{\"id\": \"a\", \"input\": \"q\"}\n");
        var noMain = dir.File("a.eval.yaml", Suite());
        var noPython = dir.File("b.eval.yaml", Suite().Replace("    file: evaluators/quality.py", "    file: evaluators/quality.py\n    python: .venv/bin/python", StringComparison.Ordinal));

        var main = await Assert.ThrowsAsync<SuiteException>(() => LoadAndCheckAsync(noMain, TestContext.Current.CancellationToken));
        var python = await Assert.ThrowsAsync<SuiteException>(() => LoadAndCheckAsync(noPython, TestContext.Current.CancellationToken));

        Assert.Equal("evaluators/quality.py:1: python evaluator 'quality': no main(input, output, context, full_history, generated_response, **kwargs) function", main.Message);
        Assert.Equal($"{noPython}:7:13: evaluators[0].python: Python interpreter '.venv/bin/python' not found (not a file relative to the suite, nor on PATH); set 'python:' to your interpreter, for example .venv/bin/python", python.Message);
    }

    [Fact(Timeout = 120000)]
    public async Task Inline_code_works_and_its_errors_point_into_the_suite()
    {
        using var dir = Setup(ReferenceExample, "{\"id\": \"a\", \"input\": \"q\", \"expected\": \"answer\"}\n");
        var inline = """
            dataset: cases.jsonl
            models: [{name: bot, provider: command, command: [python3, bot.py]}]
            evaluators:
              - name: words
                type: python
                code: |
                  def main(generated_response, output, **kwargs):
                      return {'words': len(generated_response.split()), 'has_expected': output['content'] in generated_response.lower()}
                columns: {words: integer, has_expected: bool}
            thresholds:
              - words.has_expected == true
            """;
        var broken = dir.File("broken.eval.yaml", inline.Replace("      return {'words'", "      return {'words' +", StringComparison.Ordinal));

        var (result, rows) = await SuiteRun.RunAsync(dir, inline, TestContext.Current.CancellationToken);
        var ex = await Assert.ThrowsAsync<SuiteException>(() => LoadAndCheckAsync(broken, TestContext.Current.CancellationToken));

        Assert.Equal(Verdict.Pass, result.Verdict);
        Assert.Equal(7, rows.Row("a").Evaluation("words").GetProperty("words").GetInt64());
        Assert.StartsWith($"{broken}:8: evaluators[0].code: python evaluator 'words': SyntaxError", ex.Message, StringComparison.Ordinal);
    }

    [Theory(Timeout = 120000)]
    [InlineData("import json\n\ndef main(input, output, context, full_history, generated_response, threshold):\n    return {}\n", 3, "missing a required argument: 'threshold'")]
    [InlineData("def main(input, output):\n    return {}\n", 1, "got an unexpected keyword argument 'context'")]
    [InlineData("def main():\n    return {}\n", 1, "got an unexpected keyword argument 'input'")]
    [InlineData("main = 42\n", 1, "main is a int, not a function; define main(input, output, context, full_history, generated_response, **kwargs)")]
    [InlineData("def main(**kwargs):\n    return {\n", 2, "SyntaxError: '{' was never closed")]
    public async Task A_main_that_cannot_take_the_documented_arguments_is_an_error_of_the_check_phase_with_file_and_line_and_nothing_is_generated(string python, int line, string problem)
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = Setup(python, "{\"id\": \"a\", \"input\": \"q\"}\n{\"id\": \"b\", \"input\": \"q\"}\n");
        var suite = Suite().Replace("[{name: bot, provider: command, command: [python3, bot.py]}]", $"[{{name: bot, provider: openai, model: gpt-4o-mini, base_url: \"{server.BaseUrl}\", api_key: sk-test}}]", StringComparison.Ordinal);

        var ex = await Assert.ThrowsAsync<SuiteException>(() => SuiteRun.RunAsync(dir, suite, TestContext.Current.CancellationToken));

        Assert.StartsWith($"evaluators/quality.py:{line}: python evaluator 'quality': ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task A_main_with_named_arguments_and_kwargs_passes_the_signature_check()
    {
        using var dir = Setup("def main(generated_response, id, *, tags=None, **rest):\n    return {'ok': id == 'a'}\n", "{\"id\": \"a\", \"input\": \"q\"}\n");

        var (result, _) = await SuiteRun.RunAsync(dir, Suite("thresholds:\n  - quality.ok == true\n").Replace("correct_answer: bool, response_length: integer, politeness_score: float, topic: string", "ok: bool", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, result.Verdict);
    }

    [Fact(Timeout = 120000)]
    public async Task A_worker_that_dies_on_every_call_is_started_at_most_four_times_and_every_row_gets_an_error()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = Setup(CrashingEvaluator, Datapoints(30));
        var suite = Suite().Replace("[{name: bot, provider: command, command: [python3, bot.py]}]", $"[{{name: bot, provider: openai, model: gpt-4o-mini, base_url: \"{server.BaseUrl}\", api_key: sk-test}}]", StringComparison.Ordinal)
            .Replace("correct_answer: bool, response_length: integer, politeness_score: float, topic: string", "ok: bool", StringComparison.Ordinal);

        var (result, rows) = await SuiteRun.RunAsync(dir, suite, TestContext.Current.CancellationToken);

        // One start for the check phase, then three that died.
        Assert.InRange(File.ReadAllLines(Path.Combine(dir.Path, "starts.txt")).Length, 1, 4);
        Assert.Equal((30, 30), (result.Rows, result.Errors));
        Assert.All(rows, row => Assert.Equal("evaluator", row.EvaluationError("quality").Kind()));
        var dead = rows.Select(row => row.EvaluationError("quality").Message()).Where(m => m.StartsWith("the Python worker died 3 times in a row", StringComparison.Ordinal)).ToList();
        Assert.Equal(28, dead.Count);
        Assert.All(dead, message => Assert.Contains("the last time: the Python worker exited with code 1:\nabout to die", message, StringComparison.Ordinal));
    }

    [Fact(Timeout = 120000)]
    public async Task Tracebacks_name_the_evaluator_file_relative_to_the_suite_and_inline_code_by_its_line_in_the_suite()
    {
        using var dir = Setup("def helper(x):\n    return 1 / x\n\ndef main(generated_response, **kwargs):\n    return {'ok': helper(0) > 0}\n", "{\"id\": \"a\", \"input\": \"q\"}\n");
        var fromFile = Suite().Replace("correct_answer: bool, response_length: integer, politeness_score: float, topic: string", "ok: bool", StringComparison.Ordinal);
        var inline = """
            dataset: cases.jsonl
            models: [{name: bot, provider: command, command: [python3, bot.py]}]
            evaluators:
              - name: quality
                type: python
                code: |
                  def main(generated_response, **kwargs):
                      return {'ok': [][1]}
            """;

        var (_, rows) = await SuiteRun.RunAsync(dir, fromFile, TestContext.Current.CancellationToken);
        var (_, inlineRows) = await SuiteRun.RunAsync(dir.File("inline.eval.yaml", inline), TestSettings.With(), (RunRequest?)null, TestContext.Current.CancellationToken);

        var error = rows.Row("a").EvaluationError("quality").Message();
        Assert.Contains("File \"evaluators/quality.py\", line 5, in main", error, StringComparison.Ordinal);
        Assert.Contains("File \"evaluators/quality.py\", line 2, in helper", error, StringComparison.Ordinal);
        Assert.DoesNotContain(dir.Path, error, StringComparison.Ordinal);
        Assert.DoesNotContain("evalrunner-worker", error, StringComparison.Ordinal);
        var inlineError = inlineRows.Row("a").EvaluationError("quality").Message();
        Assert.Contains("File \"inline.eval.yaml\", line 8, in main", inlineError, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), inlineError, StringComparison.Ordinal);
    }

    /// <summary>Counts its imports in starts.txt, then kills its own process on every call.</summary>
    internal const string CrashingEvaluator = "import os, sys\nwith open('starts.txt', 'a') as f:\n    f.write('start\\n')\n\ndef main(generated_response, **kwargs):\n    sys.stderr.write('about to die\\n')\n    sys.stderr.flush()\n    os._exit(1)\n";

    internal static string Datapoints(int count) => string.Concat(Enumerable.Range(0, count).Select(i => $"{{\"id\": \"d{i:00}\", \"input\": \"q{i}\"}}\n"));

    /// <summary>Loads and runs the check phase, as every front end does before a run.</summary>
    private static async Task LoadAndCheckAsync(string path, CancellationToken cancellationToken)
    {
        var settings = TestSettings.With();
        await SuiteLoader.CheckAsync(SuiteLoader.Load(path, settings), settings, cancellationToken);
    }
}
