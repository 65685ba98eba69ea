using EvalRunner.Evaluators;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Evaluators;

/// <summary>Evaluators written in C# against the public <see cref="IEvaluator"/> interface.</summary>
public sealed class CSharpEvaluatorTests
{
    private sealed class Politeness : IEvaluator
    {
        public string Name => "politeness";

        public IReadOnlyList<Column> Columns { get; } =
        [
            Column.Bool("polite", "Says please or thank you"),
            Column.Choice("tone", "The tone", "warm", "flat"),
        ];

        public async ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
        {
            await Task.Yield();
            var polite = context.GeneratedResponse.Contains("thank", StringComparison.OrdinalIgnoreCase);
            if (context.Datapoint.Id == "throws")
            {
                throw new InvalidOperationException("no tone for you");
            }

            return new Dictionary<string, object?> { ["polite"] = polite, ["tone"] = context.Datapoint.Id == "wrong-type" ? "loud" : polite ? "warm" : "flat" };
        }
    }

    [Fact(Timeout = 120000)]
    public async Task A_CSharp_evaluator_added_in_code_runs_with_the_suite_and_its_columns_work_in_thresholds()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nd=json.load(sys.stdin)\nprint('Thank you!' if d['id'] == 'nice' else 'No.')\n");
        dir.File("cases.jsonl", "{\"id\":\"nice\",\"input\":\"q\"}\n{\"id\":\"rude\",\"input\":\"q\"}\n{\"id\":\"throws\",\"input\":\"q\"}\n{\"id\":\"wrong-type\",\"input\":\"q\"}\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels: [{provider: command, command: [python3, bot.py]}]\nevaluators: [{type: length}]\nthresholds:\n  - politeness.polite == true\n  - politeness.tone == warm\n");

        var (suite, result, rows) = await SuiteRun.RunAsync(path, TestSettings.With(), new SuiteRunOptions { Evaluators = [new Politeness()] }, TestContext.Current.CancellationToken);

        Assert.Equal(["length", "politeness"], suite.Evaluators.Select(e => e.Name));
        Assert.Equal((1, 1, 2), (result.Passed, result.Failed, result.Errors));
        Assert.Equal("pass", rows.Row("nice").GetProperty("outcome").GetString());
        Assert.Equal(["politeness.polite == true (was false)", "politeness.tone == warm (was 'flat')"], rows.Row("rude").GetProperty("failed_rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("no tone for you", rows.Row("throws").EvaluationError("politeness").Message());
        Assert.Equal("column 'tone' should be choice (one of warm, flat) but was loud (String)", rows.Row("wrong-type").EvaluationError("politeness").Message());
    }

    [Fact]
    public void A_threshold_on_a_CSharp_evaluator_that_was_not_added_is_an_error_at_load_time()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels: [{provider: command, command: [python3]}]\nthresholds:\n  - politeness.polite == true\n");

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Contains("unknown column 'politeness.polite'", ex.Message, StringComparison.Ordinal);
    }
}
