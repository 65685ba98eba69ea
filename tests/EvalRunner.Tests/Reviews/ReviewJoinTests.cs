using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Reviews;

public sealed class ReviewJoinTests
{
    private static TempDirectory Setup(string scores)
    {
        var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nd=json.load(sys.stdin)\nprint('answer ' + d['id'])\n");
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"q1\"}\n{\"id\": \"b\", \"input\": \"q2\"}\n{\"id\": \"c\", \"input\": \"q3\"}\n");
        dir.File("reviews.csv", scores);
        return dir;
    }

    private const string Suite = "dataset: cases.jsonl\nmodels: [{name: bot, provider: command, command: [python3, bot.py]}]\nevaluators:\n"
        + "  - {name: review, type: external, file: reviews.csv, missing: skip, columns: [{name: correct, type: bool}, {name: rating, type: integer}, {name: tone, type: choices, options: [calm, rude]}, {name: note, type: string}]}\n";

    [Fact(Timeout = 120000)]
    public async Task Several_reviewers_scores_of_one_datapoint_are_joined_by_majority_mean_and_notes_with_a_reviewers_count()
    {
        using var dir = Setup(
            "id,model_config,reviewer,correct,rating,tone,note\n"
            + "a,bot,ann,true,4,calm,fine\na,bot,bob,true,5,rude,\na,bot,cy,false,5,calm,too short\n"
            + "b,bot,ann,true,2,calm,\nb,bot,bob,false,3,rude,\n");

        var (_, rows) = await SuiteRun.RunAsync(dir, Suite, TestContext.Current.CancellationToken);

        var a = rows.Row("a").Evaluation("review");
        Assert.True(a.GetProperty("correct").GetBoolean());
        Assert.Equal(5L, a.GetProperty("rating").GetInt64()); // mean 4.67, rounded
        Assert.Equal("calm", a.GetProperty("tone").GetString());
        Assert.Equal("ann: fine | cy: too short", a.GetProperty("note").GetString());
        Assert.Equal(3L, a.GetProperty("reviewers").GetInt64());
        var b = rows.Row("b").Evaluation("review");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, b.GetProperty("correct").ValueKind); // a tie has no value
        Assert.Equal(System.Text.Json.JsonValueKind.Null, b.GetProperty("tone").ValueKind);
        Assert.Equal(3L, b.GetProperty("rating").GetInt64()); // mean 2.5, rounded away from zero
        Assert.Equal(2L, b.GetProperty("reviewers").GetInt64());
        Assert.Equal(0L, rows.Row("c").Evaluation("review").GetProperty("reviewers").GetInt64());
    }

    [Fact(Timeout = 120000)]
    public async Task A_tie_between_reviewers_is_a_warning_of_validate_and_of_the_run_naming_the_datapoint_and_column()
    {
        using var dir = Setup(
            "id,model_config,reviewer,correct,rating,tone,note\n"
            + "a,bot,ann,true,4,calm,\na,bot,bob,true,5,rude,\na,bot,cy,false,5,calm,\n"
            + "b,bot,ann,true,2,calm,\nb,bot,bob,false,3,rude,\n");
        var path = dir.File("s.eval.yaml", Suite + "thresholds: [review.rating >= 1]\n");
        const string Warning = "external evaluator 'review': reviewers tie on 2 scores, which have no value: b [bot] correct, b [bot] tone (a further reviewer decides)";

        var validate = await Cli.EvalRunnerCli.RunAsync(dir.Path, ["validate", "s.eval.yaml"], TestContext.Current.CancellationToken);
        var run = await SuiteRun.RunAsync(path, TestSettings.With(), TestContext.Current.CancellationToken);

        Assert.Contains("warning: " + Warning, validate.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(Warning, run.Result.Warnings);
    }

    [Fact]
    public void One_reviewer_scoring_a_datapoint_twice_is_refused()
    {
        using var dir = Setup("id,model_config,reviewer,correct\na,bot,ann,true\na,bot,ann,false\n");
        var path = dir.File("s.eval.yaml", Suite);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal("reviews.csv:3: reviewer: reviewer 'ann' has two scores for datapoint 'a' and model config 'bot'; keep one", ex.Message);
    }
}
