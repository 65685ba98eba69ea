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

    private static int CountOf(string text, string what) => text.Split(what).Length - 1;
}
