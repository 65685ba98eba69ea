using EvalRunner.Results;
using EvalRunner.Reviews;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Reviews;

public sealed class ReviewQueueTests
{
    // d01-d04 answer "yes" (judge passes), d05-d10 answer "no"; the length rule fails d03 and d07 (longer answers).
    private static async Task<(TempDirectory Dir, SuiteRun Run, IReadOnlyList<Row> Rows)> RunAsync()
    {
        var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nd=json.load(sys.stdin)\nn=int(d['id'][1:])\nprint(('yes' if n < 5 else 'no') + (' and more words here' if n in (3, 7) else ''))\n");
        dir.File("cases.jsonl", string.Concat(Enumerable.Range(1, 10).Select(i => $"{{\"id\": \"d{i:D2}\", \"input\": \"q\", \"expected\": \"yes\"}}\n")));
        dir.File("reviews.csv", "id,model_config,reviewer,correct\nd01,bot,ann,true\nd05,,ann,false\nd02,bot,bob,true\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels: [{name: bot, provider: command, command: [python3, bot.py]}]\nevaluators:\n"
            + "  - {name: judge, type: contains}\n  - {name: length, type: length}\n"
            + "  - {name: review, type: external, file: reviews.csv, missing: skip, columns: {correct: bool}}\n"
            + "thresholds:\n  - judge.passed == true\n  - length.words <= 2\n");
        var run = await SuiteRun.RunAsync(path, TestSettings.With(), TestContext.Current.CancellationToken);
        return (dir, run, ResultsStore.ReadRows(run.Directory).ToList());
    }

    private static IEnumerable<string> Ids(IReadOnlyList<Row> queue) => queue.Select(row => row.DatapointId);

    [Fact(Timeout = 120000)]
    public async Task Failing_rows_come_first_and_rows_the_reviewer_scored_are_left_out()
    {
        var (dir, run, rows) = await RunAsync();
        using var _ = dir;

        var queue = await ReviewQueue.ForAsync(rows, run.Suite, "ann", new ReviewQueueOptions { Evaluator = "review", Order = ReviewOrder.FailingFirst }, TestContext.Current.CancellationToken);

        // d01 scored for bot, d05 scored for every config: both left out.
        Assert.Equal(["d03", "d06", "d07", "d08", "d09", "d10", "d02", "d04"], Ids(queue));
    }

    [Fact(Timeout = 120000)]
    public async Task A_seeded_sample_is_the_same_for_the_same_seed_and_has_the_asked_size()
    {
        var (dir, run, rows) = await RunAsync();
        using var _ = dir;
        var options = new ReviewQueueOptions { Evaluator = "review", Order = ReviewOrder.Sample, Count = 4, Seed = 7 };

        var first = await ReviewQueue.ForAsync(rows, run.Suite, "bob", options, TestContext.Current.CancellationToken);
        var again = await ReviewQueue.ForAsync(rows, run.Suite, "bob", options, TestContext.Current.CancellationToken);
        var other = await ReviewQueue.ForAsync(rows, run.Suite, "bob", options with { Seed = 8 }, TestContext.Current.CancellationToken);

        Assert.Equal(4, first.Count);
        Assert.Equal(Ids(first), Ids(again));
        Assert.NotEqual(Ids(first), Ids(other));
        Assert.DoesNotContain("d02", Ids(first).Concat(Ids(other)));
    }

    [Fact(Timeout = 120000)]
    public async Task Rows_where_the_judge_and_another_rule_disagree_are_the_disagreement_queue()
    {
        var (dir, run, rows) = await RunAsync();
        using var _ = dir;

        var queue = await ReviewQueue.ForAsync(rows, run.Suite, "zoe", new ReviewQueueOptions { Evaluator = "review", Order = ReviewOrder.Disagreement, Judges = ["judge"] }, TestContext.Current.CancellationToken);

        // judge passes d01-d04 and fails d05-d10; the length rule fails d03 and d07 only.
        // d03: judge passes, a rule fails; d05, d06, d08, d09, d10: the judge fails, every other rule passes. d07 fails both: agreement.
        Assert.Equal(["d03", "d05", "d06", "d08", "d09", "d10"], Ids(queue));
    }
}
