using System.Globalization;
using EvalRunner.Results;
using EvalRunner.Reviews;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Reviews;

public sealed class ReviewAgreementTests
{
    private const string Header = "id,model_config,reviewer,passed,rating,tone\n";

    private static TempDirectory Setup(string scores)
    {
        var dir = new TempDirectory();
        dir.File("bot.py", "import json,sys\nd=json.load(sys.stdin)\nprint('yes' if d['id'] < 'd06' else 'no')\n");
        dir.File("cases.jsonl", string.Concat(Enumerable.Range(1, 10).Select(i => $"{{\"id\": \"d{i:D2}\", \"input\": \"q\", \"expected\": \"yes\"}}\n")));
        dir.File("reviews.csv", scores);
        dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels: [{name: bot, provider: command, command: [python3, bot.py]}]\nevaluators:\n"
            + "  - {name: check, type: equals}\n"
            + "  - {name: review, type: external, file: reviews.csv, missing: skip, columns: [{name: passed, type: bool}, {name: rating, type: integer}, {name: tone, type: choices, options: [calm, rude]}]}\n");
        return dir;
    }

    private static string Lines(string reviewer, string column, params string[] values) =>
        string.Concat(values.Select((value, i) => $"d{i + 1:D2},bot,{reviewer}," + column switch
        {
            "passed" => $"{value},,\n",
            "rating" => $",{value},\n",
            _ => $",,{value}\n",
        }));

    private static ReviewAgreementPair Pair(IReadOnlyList<ReviewAgreementPair> pairs, string column, string a, string b) =>
        Assert.Single(pairs, p => p.Column == column && p.RaterA == a && p.RaterB == b);

    [Fact]
    public async Task Cohens_kappa_of_two_reviewers_bool_scores_matches_the_hand_computation()
    {
        // ann: T T T T T T F F F F     bob: T T T T F F F F F T
        // agree on d01-d04 (T) and d07-d09 (F): po = 7/10 = 0.7
        // ann says T 6/10, bob 5/10: pe = 0.6·0.5 + 0.4·0.5 = 0.5
        // kappa = (0.7 − 0.5) / (1 − 0.5) = 0.4
        using var dir = Setup(Header
            + Lines("ann", "passed", "true", "true", "true", "true", "true", "true", "false", "false", "false", "false")
            + Lines("bob", "passed", "true", "true", "true", "true", "false", "false", "false", "false", "false", "true"));
        var suite = SuiteLoader.Load(Path.Combine(dir.Path, "s.eval.yaml"), TestSettings.With());

        var pairs = await ReviewAgreement.ComputeAsync(suite, "review", null, TestContext.Current.CancellationToken);

        var pair = Pair(pairs, "passed", "ann", "bob");
        Assert.Equal((10, 0.4, ReviewWeighting.None), (pair.Datapoints, Math.Round(pair.Kappa!.Value, 10), pair.Weighting));
    }

    [Fact]
    public async Task The_textbook_example_of_fifty_ratings_has_kappa_0_4()
    {
        // 50 ratings: yes/yes 20, yes/no 5, no/yes 10, no/no 15 (po = 0.7, pe = 0.5): kappa 0.4.
        var ann = Enumerable.Repeat("true", 25).Concat(Enumerable.Repeat("false", 25)).ToArray();
        var bob = Enumerable.Repeat("true", 20).Concat(Enumerable.Repeat("false", 5)).Concat(Enumerable.Repeat("true", 10)).Concat(Enumerable.Repeat("false", 15)).ToArray();
        using var dir = Setup(Header + Lines("ann", "passed", ann) + Lines("bob", "passed", bob));
        var suite = SuiteLoader.Load(Path.Combine(dir.Path, "s.eval.yaml"), TestSettings.With());

        var pairs = await ReviewAgreement.ComputeAsync(suite, "review", null, TestContext.Current.CancellationToken);

        Assert.Equal(0.4, Math.Round(Pair(pairs, "passed", "ann", "bob").Kappa!.Value, 10));
    }

    [Fact]
    public async Task Integer_scores_get_quadratic_weighted_kappa_and_choices_plain_kappa_over_the_datapoints_both_scored()
    {
        // ratings ann 1 2 3 1 2, bob 1 2 3 2 3 (d06-d10 scored by ann only, left out):
        // observed: mean of (a−b)² = (0+0+0+1+1)/5 = 0.4
        // expected: ann 1:.4 2:.4 3:.2, bob 1:.2 2:.4 3:.4; Σ pa·pb·(a−b)² = .4·(.4·1+.4·4) + .4·(.2·1+.4·1) + .2·(.2·4+.4·1) = 1.28
        // weighted kappa = 1 − 0.4/1.28 = 0.6875
        // tone ann calm calm rude rude calm, bob calm rude rude rude calm: po = 0.8, pe = .6·.4 + .4·.6 = 0.48, kappa = 0.32/0.52
        using var dir = Setup(Header);
        File.WriteAllText(Path.Combine(dir.Path, "reviews.csv"), Header
            + string.Concat(new[] { ("1", "1", "calm", "calm"), ("2", "2", "calm", "rude"), ("3", "3", "rude", "rude"), ("1", "2", "rude", "rude"), ("2", "3", "calm", "calm") }
                .Select((r, i) => $"d{i + 1:D2},bot,ann,,{r.Item1},{r.Item3}\nd{i + 1:D2},bot,bob,,{r.Item2},{r.Item4}\n"))
            + "d06,bot,ann,,1,calm\nd07,bot,ann,,1,calm\n");
        var suite = SuiteLoader.Load(Path.Combine(dir.Path, "s.eval.yaml"), TestSettings.With());

        var pairs = await ReviewAgreement.ComputeAsync(suite, "review", null, TestContext.Current.CancellationToken);

        var rating = Pair(pairs, "rating", "ann", "bob");
        Assert.Equal((5, 0.6875, ReviewWeighting.Quadratic), (rating.Datapoints, Math.Round(rating.Kappa!.Value, 10), rating.Weighting));
        var tone = Pair(pairs, "tone", "ann", "bob");
        Assert.Equal((5, Math.Round(0.32 / 0.52, 10)), (tone.Datapoints, Math.Round(tone.Kappa!.Value, 10)));
    }

    [Fact(Timeout = 120000)]
    public async Task A_reviewer_is_compared_with_an_evaluator_column_of_the_same_name_and_type_in_a_run()
    {
        // check.passed (equals 'yes'): T for d01-d05, F for d06-d10.
        // ann: T T T T F F F F F T → po = 0.8, pe = .5·.5 + .5·.5 = 0.5, kappa = 0.6
        using var dir = Setup(Header + Lines("ann", "passed", "true", "true", "true", "true", "false", "false", "false", "false", "false", "true"));
        var run = await SuiteRun.RunAsync(Path.Combine(dir.Path, "s.eval.yaml"), TestSettings.With(), TestContext.Current.CancellationToken);

        var pairs = await ReviewAgreement.ComputeAsync(run.Suite, "review", ResultsStore.ReadRows(run.Directory).ToList(), TestContext.Current.CancellationToken);

        var pair = Pair(pairs, "passed", "ann", "check");
        Assert.Equal((10, 0.6), (pair.Datapoints, Math.Round(pair.Kappa!.Value, 10)));
    }

    [Fact(Timeout = 120000)]
    public async Task Evalrunner_agreement_prints_each_pair_s_kappa_with_and_without_a_run_and_names_a_bad_evaluator()
    {
        // As above: ann agrees with check.passed on 8 of 10 (kappa 0.6); bob's kappa with ann is the engine's.
        using var dir = Setup(Header
            + Lines("ann", "passed", "true", "true", "true", "true", "false", "false", "false", "false", "false", "true")
            + Lines("bob", "passed", "true", "true", "true", "false", "false", "false", "false", "true", "true", "true"));
        var token = TestContext.Current.CancellationToken;
        var run = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--out", "out"], token);
        Assert.True(run.ExitCode is 0 or 1, run.StandardOutput + run.StandardError);

        var reviewersOnly = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["agreement", "s.eval.yaml", "--evaluator", "review"], token);
        var withRun = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["agreement", "s.eval.yaml", "--evaluator", "review", "--results", "out"], token);
        var bad = await EvalRunner.Tests.Cli.EvalRunnerCli.RunAsync(dir.Path, ["agreement", "s.eval.yaml", "--evaluator", "reviw"], token);

        var ab = Pair(await ReviewAgreement.ComputeAsync(SuiteLoader.Load(Path.Combine(dir.Path, "s.eval.yaml"), new SuiteLoadOptions { Settings = TestSettings.With() }), "review", null, token), "passed", "ann", "bob");
        Assert.True(reviewersOnly.ExitCode == 0, reviewersOnly.StandardOutput + reviewersOnly.StandardError);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"review.passed  ann  bob  10  {ab.Kappa:0.000}  cohen"), reviewersOnly.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("check", reviewersOnly.StandardOutput, StringComparison.Ordinal);
        Assert.True(withRun.ExitCode == 0, withRun.StandardOutput + withRun.StandardError);
        Assert.Contains("review.passed  ann  check  10  0.600  cohen", withRun.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("reviw", bad.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.StandardError, StringComparison.Ordinal);
    }
}
