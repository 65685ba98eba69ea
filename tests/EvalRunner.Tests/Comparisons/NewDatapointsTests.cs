using EvalRunner.Comparisons;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Comparisons;

/// <summary>Datapoints only in the head run: listed failures first, and counted by the gate with <c>new_datapoints: must_pass</c>.</summary>
public sealed class NewDatapointsTests
{
    private static readonly string[] NewOrder = ["n01", "n03", "n00", "n02"];

    // d00..d03 pass in both runs; the head adds n00..n49, which all fail.
    private static (string Id, string Response)[] HeadReplies(int newFailing) =>
        [.. BaselineRuns.Many(4, 0), .. Enumerable.Range(0, newFailing).Select(i => ($"n{i:00}", "no, sorry"))];

    [Fact(Timeout = 60000)]
    public async Task New_datapoints_that_all_fail_leave_the_gate_to_the_shared_ones_and_are_listed_before_the_fixes()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(4, 0))), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(HeadReplies(50))), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var comparison = head.Result.Baseline!;
        Assert.False(comparison.Regressed);
        Assert.Equal(RuleDecision.Held, Assert.Single(comparison.Rules).Decision);
        var markdown = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);
        Assert.Contains("**New datapoints (50, 50 not passed)**: n00 [", markdown, StringComparison.Ordinal);
        Assert.Contains("not counted by the gate (`baseline.new_datapoints: report`)", markdown, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task The_failing_new_datapoints_are_listed_first()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(4, 0))), cancellationToken: TestContext.Current.CancellationToken);
        (string, string)[] replies = [.. BaselineRuns.Many(4, 0), ("n00", "a refund"), ("n01", "no"), ("n02", "a refund"), ("n03", "no")];
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(replies)), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);

        var line = markdown.Split('\n').Single(l => l.StartsWith("**New datapoints", StringComparison.Ordinal));
        Assert.StartsWith("**New datapoints (4, 2 not passed)**: ", line, StringComparison.Ordinal);
        var order = NewOrder.Select(id => line.IndexOf(id, StringComparison.Ordinal)).ToArray();
        Assert.All(order, i => Assert.True(i > 0));
        Assert.Equal(order.Order(), order);
        Assert.Equal(4, head.Result.Baseline!.New);
    }

    [Fact(Timeout = 60000)]
    public async Task With_new_datapoints_must_pass_in_the_suite_a_failing_new_datapoint_breaks_the_gate()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(4, 0))), cancellationToken: TestContext.Current.CancellationToken);
        var head = await BaselineRuns.RunAsync(
            BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(HeadReplies(50)), extra: "baseline: {new_datapoints: must_pass}"), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);

        var comparison = head.Result.Baseline!;
        var rule = Assert.Single(comparison.Rules);
        Assert.True(comparison.Regressed);
        Assert.Equal(RuleDecision.Broken, rule.Decision);
        Assert.Contains("50 new datapoints did not pass (baseline.new_datapoints: must_pass): n00, n01, n02", rule.Note, StringComparison.Ordinal);
        Assert.Contains(head.Result.Reasons, r => r.Kind == VerdictReasonKind.Regression);
    }

    [Fact(Timeout = 60000)]
    public async Task A_rule_overrides_the_suites_new_datapoints_default()
    {
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(4, 0))), cancellationToken: TestContext.Current.CancellationToken);
        const string Rules = ", {rule: \"rate(outcome.passed) >= baseline significant\", new_datapoints: must_pass}, {rule: \"rate(contains.passed) >= baseline - 0.5\", new_datapoints: report}";
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(HeadReplies(2)), Rules), @base.Directory, cancellationToken: TestContext.Current.CancellationToken);
        var strict = await BaselineRuns.RunAsync(
            BaselineRuns.Suite(dir, "strict", BaselineRuns.Replies(HeadReplies(2)), ", {rule: \"rate(outcome.passed) >= baseline significant\", new_datapoints: report}", extra: "baseline: {new_datapoints: must_pass}"),
            @base.Directory,
            cancellationToken: TestContext.Current.CancellationToken);

        var rules = head.Result.Baseline!.Rules;
        Assert.Equal(RuleDecision.Broken, rules.Single(r => r.Rule.StartsWith("rate(outcome", StringComparison.Ordinal)).Decision);
        Assert.Equal(RuleDecision.Held, rules.Single(r => r.Rule.StartsWith("rate(contains", StringComparison.Ordinal)).Decision);
        Assert.Equal(RuleDecision.Held, Assert.Single(strict.Result.Baseline!.Rules).Decision);
    }

    [Fact]
    public void An_unknown_new_datapoints_value_is_an_error_naming_the_field()
    {
        using var dir = new TempDirectory();
        var path = BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(2, 0)), extra: "baseline: {new_datapoints: always}");

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Contains("baseline.new_datapoints", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'report' or 'must_pass'", ex.Message, StringComparison.Ordinal);
    }
}
