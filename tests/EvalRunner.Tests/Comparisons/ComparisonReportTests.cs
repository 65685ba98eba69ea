using EvalRunner.Reports;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Comparisons;

public sealed class ComparisonReportTests
{
    [Fact(Timeout = 60000)]
    public async Task The_summary_lists_regressions_first_with_both_responses_escaped_side_by_side()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(("a", "<script>alert(1)</script> a refund"), ("b", "no"))), cancellationToken: token);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(("a", "| @octocat </details> nope"), ("b", "a refund"))), @base.Directory, cancellationToken: token);

        var markdown = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);

        Assert.Contains("failed — 1 regression, 1 fix", markdown, StringComparison.Ordinal);
        var regressions = markdown.IndexOf("#### Regressions (1)", StringComparison.Ordinal);
        Assert.InRange(regressions, 0, markdown.IndexOf("### Failing datapoints", StringComparison.Ordinal));
        Assert.True(regressions < markdown.IndexOf("**Fixes (1)**", StringComparison.Ordinal));
        Assert.Contains("| response | &lt;script&gt;alert\\(1\\)&lt;/script&gt; a refund | &#124; @&#8203;octocat &lt;/details&gt; nope |", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", markdown, StringComparison.Ordinal);
        var html = HtmlReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);
        Assert.Contains("Compared with baseline", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_comment_with_many_long_regressions_stays_within_GitHubs_limit()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var longText = string.Concat(Enumerable.Repeat("refund ✓ ", 600));
        var replies = Enumerable.Range(0, 60).Select(i => ($"d{i:00}", longText)).ToArray();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(replies)), cancellationToken: token);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies([.. replies.Select(r => (r.Item1, string.Concat(Enumerable.Repeat("nope ✗ ", 600))))])), @base.Directory, cancellationToken: token);

        var comment = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }], marker: true);

        Assert.InRange(MarkdownReport.Size(comment), 1, MarkdownReport.GitHubCommentLimit);
        Assert.Contains("60 regressions, 0 fixes", comment, StringComparison.Ordinal);
        Assert.Contains("<details><summary>🔻", comment, StringComparison.Ordinal);
        Assert.Equal(CountOf(comment, "<details>"), CountOf(comment, "</details>"));
    }

    [Fact(Timeout = 60000)]
    public async Task A_p_value_below_a_thousandth_is_written_p_less_than_not_p_equals_less_than()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(20, 0))), cancellationToken: token);
        // 20 pass -> fail flips: p = 0.5^20.
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(20, 20))), @base.Directory, cancellationToken: token);

        var gate = head.Result.Baseline!.Gate;
        var markdown = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);

        Assert.Contains("(−1.00, p < 0.001 < 0.05 after Holm) on 20 shared datapoints", gate, StringComparison.Ordinal);
        Assert.DoesNotContain("p = <", markdown, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_rule_not_decided_says_not_decided_once()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(2, 0)), ", \"rate(contains.passed) >= baseline\""), cancellationToken: token);

        var markdown = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);

        Assert.Contains("| ➖ not decided: no baseline given ", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("not decided: not decided", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("not decided not decided", markdown, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_regression_whose_first_trial_passed_shows_the_failing_trial_and_why()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        // Concurrency 1: the head's first call (trial 1) answers with a refund, the second (trial 2) does not; with
        // min_passes 2 of 2 the datapoint fails, while its first row passed.
        const string Suite = """
            name: support
            dataset: cases.jsonl
            models:
              - {name: bot, provider: command, command: [python3, bot.py]}
            evaluators: [{type: contains, value: refund}]
            thresholds: ["contains.passed == true"]
            run: {repeat: 2, concurrency: 1}
            """;
        dir.File("base/cases.jsonl", "{\"id\": \"a\", \"input\": \"q\"}\n");
        dir.File("base/bot.py", "print('a refund')\n");
        var basePath = dir.File("base/suite.eval.yaml", Suite);
        dir.File("head/cases.jsonl", "{\"id\": \"a\", \"input\": \"q\"}\n");
        dir.File("head/bot.py", "import os\nf = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'calls')\nn = int(open(f).read()) if os.path.exists(f) else 0\nopen(f, 'w').write(str(n + 1))\nprint('a refund' if n == 0 else 'no')\n");
        var headPath = dir.File("head/suite.eval.yaml", Suite);
        var @base = await BaselineRuns.RunAsync(basePath, cancellationToken: token);
        var head = await BaselineRuns.RunAsync(headPath, @base.Directory, cancellationToken: token);

        var change = Assert.Single(head.Result.Baseline!.RegressionRows);
        var markdown = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);

        Assert.Equal("no", change.HeadResponse.Trim());
        Assert.Contains("contains.passed == true", string.Join("; ", change.HeadProblems), StringComparison.Ordinal);
        Assert.Contains("| why | passed | trial 2: contains.passed \\=\\= true", markdown, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task The_summary_states_the_smallest_drop_the_gate_detects_with_80_percent_power()
    {
        // 20 shared datapoints, 1 trial, baseline rate 0.90, one-sided alpha 0.05 over 1 test, design effect 1 (by hand):
        // c = (z(0.95) + z(0.80))^2 = (1.644854 + 0.841621)^2 = 6.182557; a = c * deff / (N K) = 0.309128;
        // delta^2 = a (p0 (1 - p0) + (p0 - delta)(1 - p0 + delta)) gives
        // delta = (a (2 p0 - 1) + sqrt(a^2 (2 p0 - 1)^2 + 8 a (1 + a) p0 (1 - p0))) / (2 (1 + a)) = 0.3212.
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(20, 2))), cancellationToken: token);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(20, 2))), @base.Directory, cancellationToken: token);

        var markdown = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);
        var comment = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }], marker: true);

        const string Sentence = "The gate detects a drop of 0.32 or more in `rate(outcome.passed)` with 80% power (20 shared datapoints × 1 trial, baseline rate 0.90, design effect 1.00, one-sided alpha 0.05 over 1 test; a uniform drop, paired normal approximation): a smaller drop can pass as no regression.";
        Assert.Contains(Sentence, markdown, StringComparison.Ordinal);
        Assert.Contains(Sentence, comment, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task The_smallest_detectable_drop_counts_identical_trials_once_by_their_design_effect()
    {
        // 20 datapoints x 3 trials of the same supplied response (2 datapoints always fail): ICC 1, design effect 3, so the
        // 60 trials are worth 20 datapoints: the same 0.3212 as one trial each (see above), not the 0.1723 of 60 independent rows.
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var @base = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "base", BaselineRuns.Replies(BaselineRuns.Many(20, 2)), extra: "run: {repeat: 3}"), cancellationToken: token);
        var head = await BaselineRuns.RunAsync(BaselineRuns.Suite(dir, "head", BaselineRuns.Replies(BaselineRuns.Many(20, 2)), extra: "run: {repeat: 3}"), @base.Directory, cancellationToken: token);

        var markdown = MarkdownReport.Render([new RunReport { Run = head.Result, Directory = head.Directory }]);

        Assert.Contains("The gate detects a drop of 0.32 or more in `rate(outcome.passed)` with 80% power (20 shared datapoints × 3 trials, baseline rate 0.90, design effect 3.00,", markdown, StringComparison.Ordinal);
    }

    private static int CountOf(string text, string what) => text.Split(what).Length - 1;
}
