using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Runs;

/// <summary>Confidence intervals of aggregates as the run's tally computes them from rows.</summary>
public sealed class RunTallyTests
{
    private static Suite Load(TempDirectory dir, params string[] thresholds) => Load(dir, repeat: 1, thresholds);

    private static Suite Load(TempDirectory dir, int repeat, params string[] thresholds)
    {
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        return SuiteLoader.Load(dir.File("s.eval.yaml", $"""
            dataset: cases.jsonl
            models:
              - {"{"}name: bot, provider: command, command: [python3, bot.py]{"}"}
            evaluators:
              - {"{"}type: contains, value: Answer{"}"}
              - {"{"}type: length{"}"}
            thresholds: [{string.Join(", ", thresholds)}]
            run: {"{"}min_coverage: 0.5, repeat: {repeat}{"}"}
            """), TestSettings.With());
    }

    private static Row Row(string id, bool? passed, int words = 10, int trial = 1) => new()
    {
        DatapointId = id,
        Trial = trial,
        ModelConfig = "bot",
        Outcome = passed is null ? Outcome.Error : Outcome.Pass,
        Log = new Log { ModelConfig = "bot", Response = "Answer", LatencyMs = 1 },
        Evaluations = passed is null ? [] :
        [
            new Evaluation { Evaluator = "contains", Values = new Dictionary<string, object?> { ["passed"] = passed.Value } },
            new Evaluation { Evaluator = "length", Values = new Dictionary<string, object?> { ["words"] = (long)words } },
        ],
        Error = passed is null ? new RunError { Kind = ErrorKind.Generation, Source = "bot", Message = "down" } : null,
    };

    private static RunResult Decide(Suite suite, IEnumerable<Row> rows)
    {
        var tally = new RunTally(suite);
        foreach (var row in rows)
        {
            tally.Add(row);
        }

        return tally.Decide(stopped: null, cancelled: false);
    }

    [Fact]
    public void A_rate_gets_the_wilson_interval_of_its_count_and_a_lower_bound_rule_decides_on_it()
    {
        using var dir = new TempDirectory();
        var suite = Load(dir, "rate(contains.passed) >= 0.8", "lower(rate(contains.passed)) >= 0.7", "upper(rate(contains.passed)) >= 0.9");
        // 17 true, 2 false, 1 error: Wilson for 17 of 20 = [0.6396, 0.9476] (by hand, z = 1.959964; the error row is a trial).
        var rows = Enumerable.Range(0, 20).Select(i => Row($"d{i:00}", i < 17 ? true : i < 19 ? false : null));

        var result = Decide(suite, rows);

        Assert.All(result.Aggregates, a => Assert.Equal(("wilson", 0.6396, 0.9476), (a.Interval, Math.Round(a.Lower!.Value, 4), Math.Round(a.Upper!.Value, 4))));
        Assert.Equal([true, false, true], result.Aggregates.Select(a => a.Passed));
        var reason = Assert.Single(result.Reasons, r => r.Kind == VerdictReasonKind.AggregateFailed);
        Assert.Contains("lower(rate(contains.passed)) >= 0.7 [bot] had lower bound 0.6396 (value 0.85 [0.6396, 0.9476], wilson interval)", reason.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Min_max_sum_and_count_have_no_interval_and_a_bound_on_too_few_values_fails_with_its_reason()
    {
        using var dir = new TempDirectory();
        var suite = Load(dir, "max(length.words) <= 100", "upper(mean(length.words)) <= 100");

        var result = Decide(suite, [Row("a", true, words: 12)]);

        Assert.Equal((12.0, (double?)null, (string?)null), (result.Aggregates[0].Value!.Value, result.Aggregates[0].Lower, result.Aggregates[0].Interval));
        Assert.Equal((12.0, (double?)null, false), (result.Aggregates[1].Value!.Value, result.Aggregates[1].Upper, result.Aggregates[1].Passed));
        Assert.Contains("upper(mean(length.words)) <= 100 [bot] has no upper bound: a confidence interval needs at least 2 measured values (1 measured)", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_rows_in_another_order_give_the_same_intervals_also_with_several_rows_per_datapoint()
    {
        using var dir = new TempDirectory();
        var suite = Load(dir, repeat: 3, "rate(contains.passed) >= 0.5", "p90(length.words) <= 100", "mean(length.words) <= 100");
        // run.repeat 3, some trials still missing: a has three rows, b two: the intervals resample datapoints, not rows.
        Row[] rows =
        [
            Row("a", true, 3), Row("b", false, 40), Row("a", true, 7, trial: 2), Row("c", true, 5), Row("b", true, 9, trial: 2),
            Row("a", false, 11, trial: 3), Row("d", null), Row("e", true, 60), Row("f", false, 2), Row("g", true, 8),
        ];

        var forward = Decide(suite, rows);
        var backward = Decide(suite, rows.Reverse());
        var shuffled = Decide(suite, rows.Where((_, i) => i % 2 == 1).Concat(rows.Where((_, i) => i % 2 == 0)));

        Assert.Equal(["wilson", "bootstrap", "bootstrap"], forward.Aggregates.Select(a => a.Interval));
        Assert.All(forward.Aggregates, a => Assert.True(a.Lower <= a.Value && a.Value <= a.Upper, $"{a.Rule}: {a.Value} [{a.Lower}, {a.Upper}]"));
        Assert.Equal(Bounds(forward), Bounds(backward));
        Assert.Equal(Bounds(forward), Bounds(shuffled));

        static (double?, double?)[] Bounds(RunResult run) => [.. run.Aggregates.Select(a => (a.Lower, a.Upper))];
    }

    [Fact]
    public void A_repeated_run_whose_every_trial_passed_fails_a_lower_bound_it_cannot_show()
    {
        using var dir = new TempDirectory();
        var suite = Load(dir, repeat: 3, "lower(rate(contains.passed)) >= 0.999");
        // 20 datapoints x 3 trials, all passed: Wilson for 60 of 60 = [0.9398, 1] (design effect 1), not [1, 1].
        var rows = Enumerable.Range(0, 20).SelectMany(i => Enumerable.Range(1, 3).Select(t => Row($"d{i:00}", true, trial: t)));

        var result = Decide(suite, rows);

        var aggregate = Assert.Single(result.Aggregates);
        Assert.Equal(("wilson", 0.9398, 1.0, false), (aggregate.Interval, Math.Round(aggregate.Lower!.Value, 4), aggregate.Upper!.Value, aggregate.Passed));
        Assert.Equal(Verdict.Fail, result.Verdict);
    }

    [Fact]
    public void A_percentile_interval_does_not_depend_on_the_order_rows_finished_in()
    {
        using var dir = new TempDirectory();
        var suite = Load(dir, "p50(length.words) <= 100");
        var rows = Enumerable.Range(0, 30).Select(i => Row($"d{i:00}", true, words: (i * 7) % 23)).ToArray();

        var forward = Decide(suite, rows).Aggregates.Single();
        var backward = Decide(suite, rows.Reverse()).Aggregates.Single();

        Assert.Equal("bootstrap", forward.Interval);
        Assert.Equal((forward.Lower, forward.Upper), (backward.Lower, backward.Upper));
        Assert.True(forward.Lower < forward.Upper);
    }

    [Fact(Timeout = 60000)]
    public async Task A_run_writes_the_interval_of_each_aggregate_to_run_json()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nd=json.load(sys.stdin)\nprint(('Answer: ' if 'x' not in d['input'] else 'No: ') + d['input'])\n");
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"one\"}\n{\"id\":\"b\",\"input\":\"two\"}\n{\"id\":\"c\",\"input\":\"six\"}\n{\"id\":\"d\",\"input\":\"four\"}\n");

        var (result, _) = await SuiteRun.RunAsync(dir, """
            dataset: cases.jsonl
            models:
              - {name: bot, provider: command, command: [python3, bot.py]}
            evaluators:
              - {type: contains, value: Answer}
            thresholds: [lower(rate(contains.passed)) >= 0.25]
            """, TestContext.Current.CancellationToken);

        // 3 of 4: Wilson [0.3006, 0.9544] (by hand).
        var aggregate = Assert.Single(result.Aggregates);
        Assert.Equal((0.75, 0.3006, 0.9544, true), (aggregate.Value!.Value, Math.Round(aggregate.Lower!.Value, 4), Math.Round(aggregate.Upper!.Value, 4), aggregate.Passed));
        var written = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "run.json"))).RootElement.GetProperty("aggregates")[0];
        Assert.Equal("wilson", written.GetProperty("interval").GetString());
        Assert.Equal(aggregate.Lower!.Value, written.GetProperty("lower").GetDouble(), 12);
    }

    [Fact(Timeout = 120000)]
    public async Task A_repeated_run_gives_a_rate_the_wilson_interval_of_its_datapoints_through_the_design_effect()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nd=json.load(sys.stdin)\nprint(('Answer: ' if 'x' not in d['input'] else 'No: ') + d['input'])\n");
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"one\"}\n{\"id\":\"b\",\"input\":\"two\"}\n{\"id\":\"c\",\"input\":\"six\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, """
            dataset: cases.jsonl
            models:
              - {name: bot, provider: command, command: [python3, bot.py]}
            evaluators:
              - {type: contains, value: Answer}
            thresholds: [rate(contains.passed) >= 0.5]
            run: {repeat: 2}
            """, TestContext.Current.CancellationToken);

        // Datapoint c fails both trials, a and b pass both: the trials always agree (ICC 1), so the design effect is 2
        // and the 6 rows count as 3: Wilson for 2 of 3 = [0.2077, 0.9385] (by hand), the interval of the three datapoints.
        Assert.Equal(6, rows.Count);
        var aggregate = Assert.Single(result.Aggregates);
        Assert.Equal(("wilson", 0.2077, 0.9385), (aggregate.Interval, Math.Round(aggregate.Lower!.Value, 4), Math.Round(aggregate.Upper!.Value, 4)));
    }
}
