using EvalRunner.Comparisons;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Comparisons;

public sealed class ComparisonTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact(Timeout = 60000)]
    public async Task Flips_new_and_removed_datapoints_and_moved_scores_are_found_by_datapoint_id()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(
            ("a", "a refund"), ("b", "no"), ("c", "a refund"), ("d", "a refund"))), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(
            ("a", "no"), ("b", "a refund"), ("c", "a refund within thirty days"), ("e", "a refund"))), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var comparison = head.Result.Baseline!;

        Assert.True(comparison.Baseline.Found);
        Assert.Equal((3, 1, 1, 1, 1), (comparison.Shared, comparison.Regressions, comparison.Fixes, comparison.New, comparison.Removed));
        Assert.Equal("a", Assert.Single(comparison.RegressionRows).DatapointId);
        Assert.Equal(("a refund", "no"), (comparison.RegressionRows[0].BaseResponse, comparison.RegressionRows[0].HeadResponse));
        Assert.Equal("b", Assert.Single(comparison.FixedRows).DatapointId);
        Assert.Equal("e", Assert.Single(comparison.NewRows).DatapointId);
        Assert.Equal("d", Assert.Single(comparison.RemovedRows).DatapointId);
        var moved = comparison.ChangedScores.Single(c => c.DatapointId == "c" && c.Column == "length.words");
        Assert.Equal((2, 5), (moved.Base, moved.Head));
        var pass = comparison.Aggregates.Single(a => a.Aggregate == "rate(outcome.passed)");
        Assert.Equal((0.75, 0.75), (pass.Base, pass.Head));
    }

    [Fact(Timeout = 60000)]
    public async Task Scores_within_the_tolerance_are_not_listed_as_changed()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(("c", "a refund"))), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(("c", "a refund within thirty days")), extra: "baseline: {tolerance: 100}"), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, head.Result.Baseline!.Changed);
        Assert.Equal(100, head.Result.Baseline.Tolerance);
    }

    [Fact(Timeout = 60000)]
    public async Task Wall_time_is_not_listed_as_a_moved_score_and_token_counts_are()
    {
        // The same responses, another latency on every datapoint (as every run has) and one datapoint with more tokens.
        using var dir = new TempDirectory();
        static string Logs(int latency, int tokens) =>
            $"{{\"id\": \"a\", \"input\": \"q\", \"generated_response\": \"a refund\", \"latency_ms\": {latency}, \"output_tokens\": {tokens}}}\n"
            + $"{{\"id\": \"b\", \"input\": \"q\", \"generated_response\": \"a refund\", \"latency_ms\": {latency + 7}, \"output_tokens\": 3}}\n";
        const string Evaluators = "evaluators: [{type: contains, value: refund}, {type: latency}]";
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", Logs(100, 3), evaluators: Evaluators), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", Logs(250, 9), evaluators: Evaluators), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var moved = Assert.Single(head.Result.Baseline!.ChangedScores);

        Assert.Equal(("a", "latency.output_tokens", 3.0, 9.0), (moved.DatapointId, moved.Column, moved.Base, moved.Head));
        Assert.Equal(1, head.Result.Baseline.Changed);
    }

    [Fact(Timeout = 60000)]
    public async Task A_rule_with_a_margin_breaks_below_the_baseline_less_the_margin_and_fails_the_run_with_a_regression_reason()
    {
        using var dir = new TempDirectory();
        var rules = ", \"rate(contains.passed) >= baseline - 0.1\", \"rate(contains.passed) >= baseline - 0.3\"";
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(4, 0)), rules, extra: "run: {fail_on_error: false}"), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(4, 1)), ", \"rate(contains.passed) >= baseline - 0.1\", \"rate(contains.passed) >= baseline - 0.3\""), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var rulesDecided = head.Result.Baseline!.Rules;
        Assert.Equal(RuleDecision.Broken, rulesDecided.Single(r => r.Rule.EndsWith("0.1", StringComparison.Ordinal)).Decision);
        Assert.Equal(RuleDecision.Held, rulesDecided.Single(r => r.Rule.EndsWith("0.3", StringComparison.Ordinal)).Decision);
        Assert.Equal(0.9, rulesDecided[0].Bound!.Value, 6);
        Assert.Equal(Verdict.Fail, head.Result.Verdict);
        var reason = Assert.Single(head.Result.Reasons, r => r.Kind == VerdictReasonKind.Regression);
        Assert.StartsWith("Failed: rate(contains.passed) dropped from 1.00 to 0.75 (−0.25", reason.Message, StringComparison.Ordinal);
        // The base run has no baseline: its regression rules are not decided, and it passes.
        Assert.Equal(Verdict.Pass, @base.Result.Verdict);
        Assert.All(@base.Result.Baseline!.Rules, r => Assert.Equal(RuleDecision.NotDecided, r.Decision));
        Assert.Contains("no baseline given", @base.Result.Baseline.Gate, StringComparison.Ordinal);

        // Reported again with the baseline (`report --baseline` on its run.json): the regression is said once.
        var again = BaselineGate.Apply(head.Result, head.Result.Baseline!);
        Assert.Equal(head.Result.Reasons, again.Reasons);
        Assert.Equal(head.Result.Reason, again.Reason);
    }

    [Fact(Timeout = 60000)]
    public async Task A_significant_rule_on_a_pass_rate_uses_McNemar_on_the_flips()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), cancellationToken: TestContext.Current.CancellationToken);
        // Eight pass → fail flips and none back: one-sided p = P(X >= 8 | 8, 1/2) = 0.5^8 = 0.00390625.
        var eight = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "eight", BaselineRuns.Replies(BaselineRuns.Many(20, 8)), ", \"rate(outcome.passed) >= baseline significant\""), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);
        // Two flips: p = 0.5^2 = 0.25, worse but not significantly.
        var two = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "two", BaselineRuns.Replies(BaselineRuns.Many(20, 2)), ", \"rate(outcome.passed) >= baseline significant\""), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var broken = Assert.Single(eight.Result.Baseline!.Rules);
        Assert.Equal(("mcnemar", 20, RuleDecision.Broken), (broken.Test, broken.Shared, broken.Decision));
        Assert.Equal(0.00390625, broken.P!.Value, 9);
        Assert.Equal(-0.4, broken.Delta!.Value, 9);
        // The head's dataset differs from the baseline's, so the sentence also says the baseline is stale.
        Assert.Equal("Failed: rate(outcome.passed) dropped from 1.00 to 0.60 (−0.40, p = 0.004 < 0.05 after Holm) on 20 shared datapoints (against a stale baseline)", eight.Result.Baseline.Gate);
        var held = Assert.Single(two.Result.Baseline!.Rules);
        Assert.Equal(RuleDecision.Held, held.Decision);
        Assert.Equal(0.25, held.P!.Value, 9);
        Assert.Contains("not significantly", held.Note, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_clear_drop_is_flagged_by_a_bootstrap_tested_rule_among_200_adjusted_together()
    {
        // 200 significant rules on the mean word count, each decided by the paired bootstrap, Holm-adjusted together. Every
        // response grew from 2 words to 10 on all 20 datapoints: no draw is on the good side. With the draws fixed at 2000
        // the p-value cannot go below 1/2001, and 200 of them after Holm never below 200/2001 ~ 0.1 > 0.05.
        using var dir = new TempDirectory();
        var rules = string.Concat(Enumerable.Range(0, 200).Select(i => $", \"mean(length.words) <= baseline + {(i * 0.001).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)} significant\""));
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies([.. Enumerable.Range(0, 20).Select(i => ($"d{i:00}", "a refund"))])), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies([.. Enumerable.Range(0, 20).Select(i => ($"d{i:00}", "yes, a refund of the whole amount within thirty days"))]), rules), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var decided = head.Result.Baseline!.Rules;
        Assert.Equal(200, decided.Count);
        Assert.All(decided, r => Assert.Equal(("bootstrap", RuleDecision.Broken), (r.Test, r.Decision)));
        Assert.All(decided, r => Assert.InRange(r.PAdjusted!.Value, 0, 0.05));
        Assert.Equal(Verdict.Fail, head.Result.Verdict);
    }

    [Fact(Timeout = 60000)]
    public async Task Without_a_regression_rule_a_baseline_is_gated_by_the_pass_rate_significant_rule()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var rule = Assert.Single(head.Result.Baseline!.Rules);
        Assert.Equal(ComparisonBuilder.DefaultGate, rule.Rule);
        Assert.Equal(RuleDecision.Held, rule.Decision);
        Assert.Equal(Verdict.Pass, head.Result.Verdict);
    }

    [Fact(Timeout = 60000)]
    public async Task A_metric_the_baseline_lacks_is_not_decided_and_neither_fails_nor_passes_the_run()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(4, 0)), evaluators: "evaluators: [{type: contains, value: refund}]"), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(4, 0)), ", \"mean(length.words) <= baseline + 1\""), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var rule = Assert.Single(head.Result.Baseline!.Rules);
        Assert.Equal(RuleDecision.NotDecided, rule.Decision);
        Assert.Contains("the baseline has no value of length.words", rule.Note, StringComparison.Ordinal);
        Assert.Equal(Verdict.Pass, head.Result.Verdict);
        Assert.DoesNotContain(head.Result.Reasons, r => r.Kind == VerdictReasonKind.Regression);
    }

    [Fact(Timeout = 60000)]
    public async Task A_baseline_older_than_max_age_is_stale_and_the_rules_against_it_say_so()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(4, 0))), time: time, cancellationToken: TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromDays(9));
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(4, 0)), extra: "baseline: {max_age: 7d}"), @base.Directory, time: time, cancellationToken: TestContext.Current.CancellationToken);

        var baseline = head.Result.Baseline!.Baseline;
        Assert.True(baseline.Stale);
        Assert.Equal(216, baseline.AgeHours);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), baseline.Date);
        Assert.Contains("9 days old, older than baseline.max_age (7 days)", baseline.StaleReasons[0], StringComparison.Ordinal);
        Assert.Contains("stale baseline", head.Result.Baseline.Rules[0].Note, StringComparison.Ordinal);
        Assert.Contains("(against a stale baseline)", head.Result.Baseline.Gate, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_baseline_of_another_version_of_the_suite_is_stale_and_names_the_changed_files()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(4, 0))), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(5, 0))), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var baseline = head.Result.Baseline!.Baseline;
        Assert.True(baseline.Stale);
        Assert.Equal(["replies.jsonl"], baseline.ChangedFiles);
        Assert.Contains("the suite changed since it ran (replies.jsonl)", baseline.StaleReasons, StringComparer.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task The_run_records_its_commit_and_branch_and_the_comparison_names_the_baselines()
    {
        using var dir = new TempDirectory();
        var ci = TestSettings.With(("GITHUB_SHA", "0123456789abcdef0123"), ("GITHUB_HEAD_REF", "feature/x"), ("GITHUB_REF_NAME", "12/merge"));
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(2, 0))), settings: ci, cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(2, 0))), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var written = await ResultsStore.ReadRunAsync(@base.Directory, Token);
        Assert.Equal(("0123456789abcdef0123", "feature/x"), (written.Source!.Commit, written.Source.Branch));
        Assert.Equal(("0123456789abcdef0123", "feature/x"), (head.Result.Baseline!.Baseline.Commit, head.Result.Baseline.Baseline.Branch));
        var reread = await ResultsStore.ReadRunAsync(head.Directory, Token);
        Assert.Equal(head.Result.Baseline.Gate, reread.Baseline!.Gate);
    }

    [Fact(Timeout = 60000)]
    public async Task A_downloaded_baseline_without_a_source_is_named_by_its_baseline_json()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(2, 0))), cancellationToken: TestContext.Current.CancellationToken);
        dir.File("base/baseline.json", "{\"commit\": \"feedbeef\", \"branch\": \"main\", \"created_at\": \"2026-01-02T03:04:05Z\", \"run_url\": \"https://ci.example/run/7\"}");
        var written = await ResultsStore.ReadRunAsync(@base.Directory, Token);
        await ResultsStore.WriteRunAsync(written with { Source = null }, null, Token);

        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(2, 0))), Path.Combine(dir.Path, "base"), cancellationToken: TestContext.Current.CancellationToken);

        var baseline = head.Result.Baseline!.Baseline;
        Assert.Equal(("feedbeef", "main", "https://ci.example/run/7"), (baseline.Commit, baseline.Branch, baseline.RunUrl));
    }

    [Fact(Timeout = 60000)]
    public async Task A_missing_baseline_directory_is_a_note_never_a_failure()
    {
        using var dir = new TempDirectory();
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(2, 0))), Path.Combine(dir.Path, "nowhere"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, head.Result.Verdict);
        Assert.False(head.Result.Baseline!.Baseline.Found);
        Assert.Equal(RuleDecision.NotDecided, Assert.Single(head.Result.Baseline.Rules).Decision);
        Assert.Contains("does not exist", head.Result.Baseline.Gate, StringComparison.Ordinal);
    }
}
