using EvalRunner.GitHub;
using EvalRunner.Reports;
using EvalRunner.Testing;
using EvalRunner.Tests.Reports;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.GitHub;

/// <summary>The GitHub reporter: Octokit's real requests against the GitHub-API-shaped test server.</summary>
public sealed class GitHubReporterTests
{
    private sealed class Workflow : IDisposable
    {
        public Workflow(FakeGitHubServer server)
        {
            Dir = new TempDirectory();
            var summary = Dir.File("step_summary.md", string.Empty);
            var output = Dir.File("output.txt", string.Empty);
            var @event = Dir.File("event.json", "{\"action\":\"synchronize\",\"pull_request\":{\"number\":42}}");
            Settings = new Settings(new Dictionary<string, string>
            {
                ["GITHUB_ACTIONS"] = "true",
                ["GITHUB_STEP_SUMMARY"] = summary,
                ["GITHUB_OUTPUT"] = output,
                ["GITHUB_EVENT_PATH"] = @event,
                ["GITHUB_API_URL"] = server.ApiUrl.ToString(),
                ["GITHUB_REPOSITORY"] = "acme/bot",
                ["GITHUB_TOKEN"] = "ghs_secret_token_value",
            });
        }

        public TempDirectory Dir { get; }

        public Settings Settings { get; }

        public StringWriter Log { get; } = new();

        public string Summary => File.ReadAllText(Path.Combine(Dir.Path, "step_summary.md"));

        public string Output => File.ReadAllText(Path.Combine(Dir.Path, "output.txt"));

        public TimeProvider Time { get; init; } = TimeProvider.System;

        public Task<bool> ReportAsync(IReadOnlyList<RunReport> reports) =>
            new GitHubReporter(Settings, Log, Time).ReportAsync(reports, new GitHubOptions { ResultsDirectory = "evalrunner-results", SummaryPath = "evalrunner-results/summary.md" }, TestContext.Current.CancellationToken);

        public void Dispose() => Dir.Dispose();
    }

    private static Task<IReadOnlyList<RunReport>> FixedAsync() => RunReport.ReadAllAsync(ReportFixture.FixedResults, TestContext.Current.CancellationToken);

    [Fact(Timeout = 60000)]
    public async Task The_first_run_creates_one_comment_per_suite_and_the_second_edits_the_same_ones()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        var reports = await FixedAsync();

        var first = await workflow.ReportAsync(reports);
        var afterFirst = server.Comments(42);
        await workflow.ReportAsync(reports);
        var afterSecond = server.Comments(42);

        Assert.False(first);
        Assert.Equal(2, afterFirst.Count);
        Assert.Equal(afterFirst.Select(c => c.Id), afterSecond.Select(c => c.Id));
        Assert.StartsWith(MarkdownReport.Marker("failing"), afterSecond[0].Body, StringComparison.Ordinal);
        Assert.StartsWith(MarkdownReport.Marker("support-quickstart"), afterSecond[1].Body, StringComparison.Ordinal);
        Assert.Equal(2, server.Requests.Count(r => r.Method == "POST"));
        Assert.Equal(2, server.Requests.Count(r => r.Method == "PATCH"));
        Assert.All(server.Requests, r => Assert.Equal("Token ghs_secret_token_value", r.Authorization));
        Assert.All(server.Requests, r => Assert.StartsWith("/api/v3/repos/acme/bot/issues/", r.Path, StringComparison.Ordinal));
        Assert.Contains("## ❌ EvalRunner: 2 suites failed", workflow.Summary, StringComparison.Ordinal);
        Assert.Contains("passed=false\npass-rate=0.9231\nresults-dir=evalrunner-results\nsummary-path=evalrunner-results/summary.md\n", workflow.Output, StringComparison.Ordinal);
        Assert.Contains("::error file=tests/fixtures/FailingEvals/evals/failing.eval.yaml,line=7,title=failing › no-expected [echo]::error: contains: no 'value' configured", workflow.Log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_secret_token_value", workflow.Log.ToString() + workflow.Summary + afterSecond[0].Body, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_read_only_fork_token_is_survived_with_a_warning_and_the_step_summary_keeps_everything()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(10, 403, "Resource not accessible by integration");
        using var workflow = new Workflow(server);
        var reports = await FixedAsync();

        var passed = await workflow.ReportAsync(reports);

        Assert.False(passed);
        Assert.Empty(server.Comments(42));
        Assert.Contains(
            "::warning::EvalRunner did not comment on pull request #42 for suite 'failing': the token cannot write pull-request comments (pull requests from forks get a read-only token;",
            workflow.Log.ToString(),
            StringComparison.Ordinal);
        Assert.Contains("### Failing datapoints", workflow.Summary, StringComparison.Ordinal);
        Assert.Contains("passed=false", workflow.Output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_secret_with_characters_that_annotations_escape_is_taken_out_of_the_annotation()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        const string secret = "pa%ss-word-12";
        workflow.Settings.AddSecret(secret);
        var reports = await ReportFixture.WriteAsync(workflow.Dir, [($"case-{secret}", "an answer", false)], TestContext.Current.CancellationToken);

        await workflow.ReportAsync(reports);

        var log = workflow.Log.ToString();
        Assert.Contains("title=hostile › case-*** [m]::fail: length.words <= 2 (was 3)", log, StringComparison.Ordinal);
        Assert.DoesNotContain("pa%25ss-word-12", log, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_secondary_rate_limit_with_retry_after_is_retried_and_the_comment_is_written()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1, 403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", retryAfter: 1);
        var time = new FakeTimeProvider();
        using var workflow = new Workflow(server) { Time = time };
        var reports = await FixedAsync();

        // The reporter waits for Retry-After on the fake clock: move it on until the report is written.
        var reporting = workflow.ReportAsync(reports);
        while (await Task.WhenAny(reporting, Task.Delay(10, TestContext.Current.CancellationToken)) != reporting)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await reporting;

        Assert.Equal(2, server.Comments(42).Count);
        // The first request was answered 403 with Retry-After and sent again: one GET more than the two suites need.
        Assert.Equal(3, server.Requests.Count(r => r.Method == "GET"));
        Assert.DoesNotContain("::warning::", workflow.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_comment_over_GitHubs_limit_is_cut_and_says_where_the_full_report_is()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, Enumerable.Range(0, 300).Select(i => ($"dp-{i}", new string('y', 5000), false)), TestContext.Current.CancellationToken);

        await workflow.ReportAsync(reports);

        var body = Assert.Single(server.Comments(42)).Body;
        Assert.True(body.Length <= MarkdownReport.GitHubCommentLimit);
        Assert.Contains("more failing datapoints were cut to stay under GitHub's 65,536-character limit", body, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Outside_a_pull_request_nothing_is_commented_but_the_summary_and_outputs_are_written()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        File.WriteAllText(Path.Combine(workflow.Dir.Path, "event.json"), "{\"ref\":\"refs/heads/main\"}");

        await workflow.ReportAsync(await FixedAsync());

        Assert.Empty(server.Requests);
        Assert.Contains("passed=false", workflow.Output, StringComparison.Ordinal);
        Assert.NotEmpty(workflow.Summary);
    }
}
