using EvalRunner.Caching;
using EvalRunner.GitHub;
using EvalRunner.Logs;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;
using EvalRunner.Tests.Reports;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.GitHub;

/// <summary>The GitHub reporter: Octokit's real requests against the GitHub-API-shaped test server.</summary>
public sealed class GitHubReporterTests
{
    private sealed class Workflow : IDisposable
    {
        public Workflow(FakeGitHubServer server, string token = "ghs_secret_token_value", params (string Name, string Value)[] more)
        {
            Dir = new TempDirectory();
            var summary = Dir.File("step_summary.md", string.Empty);
            var output = Dir.File("output.txt", string.Empty);
            var @event = Dir.File("event.json", "{\"action\":\"synchronize\",\"pull_request\":{\"number\":42}}");
            var variables = new Dictionary<string, string>
            {
                ["GITHUB_ACTIONS"] = "true",
                ["GITHUB_STEP_SUMMARY"] = summary,
                ["GITHUB_OUTPUT"] = output,
                ["GITHUB_EVENT_PATH"] = @event,
                ["GITHUB_API_URL"] = server.ApiUrl.ToString(),
                ["GITHUB_REPOSITORY"] = "acme/bot",
                ["GITHUB_TOKEN"] = token,
            };
            foreach (var (variable, value) in more)
            {
                variables[variable] = value;
            }

            Settings = new Settings(variables);
        }

        public TempDirectory Dir { get; }

        public Settings Settings { get; }

        public StringWriter Log { get; } = new();

        public string Summary => File.ReadAllText(Path.Combine(Dir.Path, "step_summary.md"));

        public string Output => File.ReadAllText(Path.Combine(Dir.Path, "output.txt"));

        public TimeProvider Time { get; init; } = TimeProvider.System;

        public long SummaryBytes => new FileInfo(Path.Combine(Dir.Path, "step_summary.md")).Length;

        public Task<bool> ReportAsync(IReadOnlyList<RunReport> reports) =>
            new GitHubReporter(Settings, Log, Time).ReportAsync(reports, new GitHubOptions { ResultsDirectory = "evalrunner-results", SummaryPath = "evalrunner-results/summary.md" }, TestContext.Current.CancellationToken);

        /// <summary>Reports with the fake clock moved on whenever the reporter waits on it.</summary>
        public async Task<bool> ReportWaitingAsync(IReadOnlyList<RunReport> reports, FakeTimeProvider time)
        {
            var reporting = ReportAsync(reports);
            while (await Task.WhenAny(reporting, Task.Delay(10, TestContext.Current.CancellationToken)) != reporting)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }

            return await reporting;
        }

        public IReadOnlyList<string> Warnings => [.. Log.ToString().Split('\n').Where(l => l.StartsWith("::warning::", StringComparison.Ordinal))];

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
        Assert.All(server.Requests.Where(r => r.Path != "/api/v3/user"), r => Assert.StartsWith("/api/v3/repos/acme/bot/issues/", r.Path, StringComparison.Ordinal));
        Assert.All(afterSecond, c => Assert.Equal(FakeGitHubServer.WorkflowBot, c.Author));
        Assert.Contains("## ❌ EvalRunner: 2 suites failed", workflow.Summary, StringComparison.Ordinal);
        Assert.Contains("passed=false\npass-rate=0.9231\nresults-dir=evalrunner-results\nsummary-path=evalrunner-results/summary.md\n", workflow.Output, StringComparison.Ordinal);
        Assert.Contains("::error file=tests/fixtures/FailingEvals/evals/failing.eval.yaml,line=7,title=failing › no-expected [echo]::error: contains: no 'value' configured", workflow.Log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ghs_secret_token_value", workflow.Log.ToString() + workflow.Summary + afterSecond[0].Body, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task The_pass_rate_output_is_the_summarys_over_the_measured_rows_of_a_replayed_run()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        var fixedReports = await FixedAsync();
        // A replayed run: one row measured and passed, one not in the response cache (needs a live run).
        var replayed = fixedReports[1] with { Run = fixedReports[1].Run with { Rows = 2, Passed = 1, Failed = 0, Errors = 0, Excluded = 1 } };

        await workflow.ReportAsync([replayed]);

        Assert.Equal(1, replayed.Run.PassRate);
        Assert.Contains("\npass-rate=1\n", "\n" + workflow.Output, StringComparison.Ordinal);
        Assert.Contains("| 100.0% |", workflow.Summary, StringComparison.Ordinal);
    }

    /// <summary>A fork's pull request replayed from the committed cache: one datapoint of ten is in it, nine need a live run.</summary>
    internal static async Task<IReadOnlyList<RunReport>> UnmeasuredAsync(TempDirectory dir)
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        var yaml = $"name: replay\ndataset: cases.jsonl\nmodels: [{{name: gpt, provider: openai, model: gpt-4o-mini, base_url: '{server.BaseUrl}', api_key: sk-test}}]\n"
            + "evaluators: [{type: contains}]\nthresholds: ['contains.passed == true']\n";
        static string Dataset(int count) => string.Join('\n', Enumerable.Range(0, count).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"question {i}\",\"expected\":\"question {i}\"}}"));
        var cache = Path.Combine(dir.Path, "cache");
        dir.File("cases.jsonl", Dataset(1));
        await SuiteRun.RunAsync(dir.File("replay.eval.yaml", yaml), TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, "live"), Cache = new FileResponseCache(cache, CacheMode.ReadWrite) }, TestContext.Current.CancellationToken);
        dir.File("cases.jsonl", Dataset(10));
        await SuiteRun.RunAsync(Path.Combine(dir.Path, "replay.eval.yaml"), TestSettings.With(), new RunRequest { OutputDirectory = Path.Combine(dir.Path, "out", "replay"), Cache = new FileResponseCache(cache, CacheMode.Replay) }, TestContext.Current.CancellationToken);
        return await RunReport.ReadAllAsync(Path.Combine(dir.Path, "out"), TestContext.Current.CancellationToken);
    }

    [Fact(Timeout = 60000)]
    public async Task A_run_that_measured_1_of_10_datapoints_is_unmeasured_in_the_comment_the_summary_and_the_outputs_never_a_plain_pass()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        using var dir = new TempDirectory();
        var reports = await UnmeasuredAsync(dir);

        await workflow.ReportAsync(reports);

        const string headline = "## ⏳ EvalRunner: replay not decided — 1 of 10 measured; 9 need a live run";
        var comment = Assert.Single(server.Comments(42)).Body;
        Assert.Equal(headline, comment.Split('\n')[1]);
        Assert.DoesNotContain("✅", comment, StringComparison.Ordinal);
        Assert.Contains(headline, workflow.Summary, StringComparison.Ordinal);
        Assert.Contains("\nverdict=unmeasured\n", "\n" + workflow.Output, StringComparison.Ordinal);
        Assert.Contains("\npassed=false\n", "\n" + workflow.Output, StringComparison.Ordinal);
        Assert.Contains("\npass-rate=1\n", "\n" + workflow.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("::error", workflow.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task GitHub_answering_200_with_truncated_JSON_is_one_warning_and_the_verdict_is_unchanged()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.TruncateNext(20);
        using var workflow = new Workflow(server);
        var reports = await FixedAsync();

        var passed = await workflow.ReportAsync([reports[1]]);

        Assert.True(passed);
        Assert.Contains("passed=true\n", workflow.Output, StringComparison.Ordinal);
        Assert.Contains("EvalRunner: support\\-quickstart passed", workflow.Summary, StringComparison.Ordinal);
        var warning = Assert.Single(workflow.Warnings);
        Assert.Contains("did not comment on pull request #42 for suite 'support-quickstart'", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", workflow.Log.ToString(), StringComparison.Ordinal);
    }

    [Theory(Timeout = 60000)]
    [InlineData("GITHUB_STEP_SUMMARY")]
    [InlineData("GITHUB_OUTPUT")]
    public async Task A_full_disk_under_the_step_summary_or_the_outputs_is_one_warning_and_the_verdict_is_unchanged(string variable)
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        // Writing to /dev/full fails as a full disk does: ENOSPC.
        using var workflow = new Workflow(server, "ghs_secret_token_value", (variable, "/dev/full"));
        var reports = await FixedAsync();

        var passed = await workflow.ReportAsync([reports[1]]);

        Assert.True(passed);
        var warning = Assert.Single(workflow.Warnings);
        Assert.Contains(variable, warning, StringComparison.Ordinal);
        Assert.Single(server.Comments(42));
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
        await workflow.ReportWaitingAsync(reports, time);

        Assert.Equal(2, server.Comments(42).Count);
        // The first request (GET /user) was answered 403 with Retry-After and sent again.
        Assert.Equal(2, server.Requests.Count(r => r.Path == "/api/v3/user"));
        Assert.DoesNotContain("::warning::", workflow.Log.ToString(), StringComparison.Ordinal);
    }

    private const string SecondaryRateLimit = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0400:1234.";

    [Fact(Timeout = 60000)]
    public async Task A_secondary_rate_limit_403_without_headers_is_waited_out_on_the_clock_and_the_comment_is_written()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1, 403, SecondaryRateLimit, new Dictionary<string, string>());
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        using var workflow = new Workflow(server, "ghs_secret_token_value", ("EVALRUNNER_COMMENT_AUTHOR", FakeGitHubServer.WorkflowBot)) { Time = time };

        await workflow.ReportWaitingAsync(await FixedAsync(), time);

        Assert.Equal(2, server.Comments(42).Count);
        Assert.Empty(workflow.Warnings);
        // The first listing was answered 403 and sent again after a wait on the fake clock (GitHub asks for a minute).
        Assert.Equal(server.Requests[0].Path, server.Requests[1].Path);
        Assert.True(time.GetUtcNow() - start >= TimeSpan.FromSeconds(60));
    }

    [Fact(Timeout = 60000)]
    public async Task A_secondary_rate_limit_that_lasts_is_one_warning_that_says_so_and_never_a_read_only_token()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(100, 403, SecondaryRateLimit, new Dictionary<string, string>());
        var time = new FakeTimeProvider();
        using var workflow = new Workflow(server, "ghs_secret_token_value", ("EVALRUNNER_COMMENT_AUTHOR", FakeGitHubServer.WorkflowBot)) { Time = time };

        await workflow.ReportWaitingAsync(await FixedAsync(), time);

        var warning = Assert.Single(workflow.Warnings);
        Assert.Contains("for suites 'failing', 'support-quickstart': GitHub's secondary rate limit was hit (tried 3 times)", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot write", warning, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests.Count);
        Assert.Empty(server.Comments(42));
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
        Assert.Contains("more failing datapoints were cut to stay under GitHub's limit of 65,536 bytes; the full report is in the evalrunner\\-results artifact of this workflow run", body, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_100000_character_error_message_is_cut_with_a_mark_and_the_comment_keeps_its_tables()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("a", "an answer", false)], TestContext.Current.CancellationToken);
        // A provider that answered with a whole page: its message is in the verdict's reason and in a warning.
        var message = "the provider answered 500: " + new string('x', 100_000);
        var run = reports[0].Run.WithVerdict(Verdict.Error, [new VerdictReason { Kind = VerdictReasonKind.Stopped, Message = $"stopped after 1 rows: {message}" }]);
        var report = reports[0] with { Run = run with { Warnings = [message] } };

        await workflow.ReportAsync([report]);

        var body = Assert.Single(server.Comments(42)).Body;
        Assert.True(MarkdownReport.Size(body) <= MarkdownReport.GitHubCommentLimit, $"{MarkdownReport.Size(body)} bytes");
        Assert.Contains("| suite | verdict | datapoints | passed | failed | errors | pass rate |", body, StringComparison.Ordinal);
        Assert.Contains("### Model configs", body, StringComparison.Ordinal);
        Assert.Contains("### Failing datapoints (1)", body, StringComparison.Ordinal);
        Assert.Contains("the provider answered 500: xxxx", body, StringComparison.Ordinal);
        Assert.Contains(" more characters\\)", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Cut to stay under GitHub's limit", body, StringComparison.Ordinal);
        Assert.Contains("### Model configs", workflow.Summary, StringComparison.Ordinal);
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

    // Byte limits

    [Fact(Timeout = 120000)]
    public async Task Emoji_and_CJK_output_keeps_the_comment_within_65536_bytes_and_the_step_summary_within_1_MiB()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        using var dir = new TempDirectory();
        var answer = string.Concat(Enumerable.Repeat("答えは😀です。返金は🎉三十日以内、詳しくは窓口へ。", 250));
        var reports = await ReportFixture.WriteAsync(dir, Enumerable.Range(0, 600).Select(i => ($"dp-{i}", answer, false)), TestContext.Current.CancellationToken);

        await workflow.ReportAsync(reports);

        var post = Assert.Single(server.Requests, r => r.Method == "POST");
        Assert.True(post.CommentBytes <= MarkdownReport.GitHubCommentLimit, $"{post.CommentBytes} bytes");
        Assert.True(post.Comment!.Length <= MarkdownReport.GitHubCommentLimit, $"{post.Comment.Length} characters");
        Assert.True(post.CommentBytes > 40_000, "the comment holds as much as fits");
        Assert.DoesNotContain('\uFFFD', post.Comment);
        Assert.Equal(Count(post.Comment, "<details>"), Count(post.Comment, "</details>"));
        Assert.Contains("the full report is in the evalrunner\\-results artifact of this workflow run", post.Comment, StringComparison.Ordinal);
        Assert.Equal(post.Comment, Assert.Single(server.Comments(42)).Body);
        Assert.True(workflow.SummaryBytes <= GitHubReporter.StepSummaryLimit, $"{workflow.SummaryBytes} bytes");
        Assert.True(workflow.SummaryBytes > 900_000, "the summary holds as much as fits");
        var summary = workflow.Summary;
        Assert.Equal(Count(summary, "<details>"), Count(summary, "</details>"));
        Assert.Contains("more failing datapoints were cut to stay under GitHub's limit of", summary, StringComparison.Ordinal);
        Assert.Contains("evalrunner\\-results artifact", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("the full report is in evalrunner\\-results/summary.md", summary, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_step_summary_that_already_holds_text_gets_only_the_room_left_under_1_MiB()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        File.WriteAllText(Path.Combine(workflow.Dir.Path, "step_summary.md"), new string('x', 1_000_000) + "\n");
        File.WriteAllText(Path.Combine(workflow.Dir.Path, "event.json"), "{\"ref\":\"refs/heads/main\"}");
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, Enumerable.Range(0, 100).Select(i => ($"dp-{i}", string.Concat(Enumerable.Repeat("漢字🎉", 1000)), false)), TestContext.Current.CancellationToken);

        await workflow.ReportAsync(reports);

        Assert.True(workflow.SummaryBytes <= GitHubReporter.StepSummaryLimit, $"{workflow.SummaryBytes} bytes");
        Assert.Contains("## ❌ EvalRunner: hostile failed", workflow.Summary, StringComparison.Ordinal);
    }

    // Sticky comments: whose comments are edited

    [Fact(Timeout = 60000)]
    public async Task With_the_workflow_token_only_the_bots_comment_is_edited_and_a_persons_comment_quoting_the_marker_stays_untouched()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("a", "an answer", false)], TestContext.Current.CancellationToken);
        var quote = MarkdownReport.Marker("hostile") + "\nWhy does the bot say this failed? Copied from its comment.";
        var human = server.AddComment(42, quote, "octocat");
        var otherBot = server.AddComment(42, MarkdownReport.Marker("hostile") + "\nanother bot", "some-app[bot]");

        await workflow.ReportAsync(reports);
        await workflow.ReportAsync(reports);

        var comments = server.Comments(42);
        Assert.Equal(3, comments.Count);
        Assert.Equal(quote, comments.Single(c => c.Id == human).Body);
        Assert.Equal(MarkdownReport.Marker("hostile") + "\nanother bot", comments.Single(c => c.Id == otherBot).Body);
        var mine = Assert.Single(comments, c => c.Author == FakeGitHubServer.WorkflowBot);
        Assert.StartsWith(MarkdownReport.Marker("hostile") + "\n## ❌", mine.Body, StringComparison.Ordinal);
        Assert.All(server.Requests.Where(r => r.Method is "PATCH" or "DELETE"), r => Assert.EndsWith($"/comments/{mine.Id}", r.Path, StringComparison.Ordinal));
        Assert.Single(server.Requests, r => r.Method == "PATCH");
        Assert.Contains(server.Requests, r => r.Path == "/api/v3/user");
        Assert.Empty(workflow.Warnings);
    }

    [Fact(Timeout = 60000)]
    public async Task A_personal_token_edits_the_comment_of_the_user_GET_user_names_and_not_the_bots()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.AddUserToken("ghp_personal_token_0123", "alice");
        using var workflow = new Workflow(server, "ghp_personal_token_0123");
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("a", "an answer", false)], TestContext.Current.CancellationToken);
        var bots = server.AddComment(42, MarkdownReport.Marker("hostile") + "\nold bot comment", FakeGitHubServer.WorkflowBot);
        var alices = server.AddComment(42, MarkdownReport.Marker("hostile") + "\nold alice comment", "alice");

        await workflow.ReportAsync(reports);

        var comments = server.Comments(42);
        Assert.Equal(2, comments.Count);
        Assert.Equal(MarkdownReport.Marker("hostile") + "\nold bot comment", comments.Single(c => c.Id == bots).Body);
        Assert.Contains("## ❌ EvalRunner: hostile failed", comments.Single(c => c.Id == alices).Body, StringComparison.Ordinal);
        Assert.Equal("alice", Assert.Single(server.Requests, r => r.Path == "/api/v3/user").Login);
        Assert.EndsWith($"/comments/{alices}", Assert.Single(server.Requests, r => r.Method == "PATCH").Path, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task An_app_token_with_comment_author_edits_the_apps_comment_without_asking_GET_user()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.AddInstallationToken("ghs_app_installation_0123", "evals-app[bot]");
        using var workflow = new Workflow(server, "ghs_app_installation_0123", ("EVALRUNNER_COMMENT_AUTHOR", "evals-app[bot]"));
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("a", "an answer", false)], TestContext.Current.CancellationToken);
        var workflowBots = server.AddComment(42, MarkdownReport.Marker("hostile") + "\nfrom the workflow token", FakeGitHubServer.WorkflowBot);
        var apps = server.AddComment(42, MarkdownReport.Marker("hostile") + "\nfrom the app", "evals-app[bot]");

        await workflow.ReportAsync(reports);

        var comments = server.Comments(42);
        Assert.Equal(MarkdownReport.Marker("hostile") + "\nfrom the workflow token", comments.Single(c => c.Id == workflowBots).Body);
        Assert.Contains("## ❌ EvalRunner: hostile failed", comments.Single(c => c.Id == apps).Body, StringComparison.Ordinal);
        Assert.Equal(2, comments.Count);
        Assert.DoesNotContain(server.Requests, r => r.Path == "/api/v3/user");
        Assert.All(server.Requests, r => Assert.Equal("evals-app[bot]", r.Login));
        // The login is no secret: it is not redacted from what the reporter prints.
        Assert.DoesNotContain("***", workflow.Log.ToString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Two_runs_reporting_at_the_same_moment_end_with_one_comment_the_oldest()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var first = new Workflow(server);
        using var second = new Workflow(server);
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("a", "an answer", false)], TestContext.Current.CancellationToken);

        // Both list the comments before either has written one, so both create one.
        server.HoldListings(2);
        await Task.WhenAll(first.ReportAsync(reports), second.ReportAsync(reports));

        var created = server.Requests.Where(r => r.Method == "POST").ToList();
        Assert.Equal(2, created.Count);
        var remaining = Assert.Single(server.Comments(42));
        Assert.Equal(FakeGitHubServer.WorkflowBot, remaining.Author);
        Assert.StartsWith(MarkdownReport.Marker("hostile"), remaining.Body, StringComparison.Ordinal);
        Assert.Contains(server.Requests, r => r.Method == "DELETE" && r.Path.EndsWith($"/comments/{remaining.Id + 1}", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Requests, r => r.Method == "DELETE" && r.Path.EndsWith($"/comments/{remaining.Id}", StringComparison.Ordinal));
        Assert.Empty(first.Warnings.Concat(second.Warnings));

        // The next run finds that one comment and edits it.
        await first.ReportAsync(reports);
        Assert.Equal(remaining.Id, Assert.Single(server.Comments(42)).Id);
    }

    [Fact(Timeout = 60000)]
    public async Task An_older_run_reporting_last_leaves_the_comment_of_the_run_that_started_later_and_says_so_in_one_line()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var workflow = new Workflow(server);
        using var olderDir = new TempDirectory();
        using var newerDir = new TempDirectory();
        var start = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var older = Started(await ReportFixture.WriteAsync(olderDir, [("olderrundp", "an answer", false)], TestContext.Current.CancellationToken), start);
        var newer = Started(await ReportFixture.WriteAsync(newerDir, [("newerrundp", "an answer", false)], TestContext.Current.CancellationToken), start.AddMinutes(5));

        // The run of the second push started later but reports first; the run of the first push reports after it.
        Head(workflow, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
        await workflow.ReportAsync(newer);
        Head(workflow, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        await workflow.ReportAsync(older);

        var comment = Assert.Single(server.Comments(42));
        Assert.Contains("newerrundp", comment.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("olderrundp", comment.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Method == "PATCH");
        var notice = Assert.Single(workflow.Log.ToString().Split('\n'), l => l.StartsWith("::notice::", StringComparison.Ordinal));
        Assert.Contains("did not update the comment on pull request #42 for suite 'hostile'", notice, StringComparison.Ordinal);
        Assert.Contains("2026-03-01 12:05:00 UTC", notice, StringComparison.Ordinal);
        Assert.Contains("bbbbbbb", notice, StringComparison.Ordinal);
        Assert.Empty(workflow.Warnings);

        // A run that started later than the comment's still updates it.
        Head(workflow, "cccccccccccccccccccccccccccccccccccccccc");
        await workflow.ReportAsync(Started(older, start.AddMinutes(10)));

        Assert.Contains("olderrundp", Assert.Single(server.Comments(42)).Body, StringComparison.Ordinal);
        Assert.Single(server.Requests, r => r.Method == "PATCH");
    }

    private static List<RunReport> Started(IEnumerable<RunReport> reports, DateTimeOffset startedAt) =>
        [.. reports.Select(r => r with { Run = r.Run with { StartedAt = startedAt } })];

    /// <summary>The pull request's head commit in the event, as a push to it sets it.</summary>
    private static void Head(Workflow workflow, string sha) =>
        File.WriteAllText(Path.Combine(workflow.Dir.Path, "event.json"), $"{{\"action\":\"synchronize\",\"pull_request\":{{\"number\":42,\"head\":{{\"sha\":\"{sha}\"}}}}}}");

    // GitHub down, failing or rate-limited

    [Fact(Timeout = 60000)]
    public async Task GitHub_unreachable_is_tried_three_times_then_one_warning_and_the_summary_and_outputs_are_written()
    {
        var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        await server.StopAsync();
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        using var workflow = new Workflow(server) { Time = time };

        var passed = await workflow.ReportWaitingAsync(await FixedAsync(), time);

        Assert.False(passed);
        var warning = Assert.Single(workflow.Warnings);
        Assert.StartsWith("::warning::EvalRunner did not comment on pull request #42 for suites 'failing', 'support-quickstart': GitHub could not be reached at " + server.ApiUrl + " (tried 3 times): ", warning, StringComparison.Ordinal);
        Assert.EndsWith("The step summary has the results; the verdict is unchanged.", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot write", warning, StringComparison.Ordinal);
        // Backed off 1 s, then 2 s, on the fake clock.
        Assert.True(time.GetUtcNow() - start >= TimeSpan.FromSeconds(3));
        Assert.Contains("passed=false", workflow.Output, StringComparison.Ordinal);
        Assert.Contains("### Failing datapoints", workflow.Summary, StringComparison.Ordinal);
        await server.DisposeAsync();
    }

    [Fact(Timeout = 60000)]
    public async Task A_5xx_answer_is_retried_and_the_comment_is_written()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(2, 502, "Server Error");
        var time = new FakeTimeProvider();
        using var workflow = new Workflow(server) { Time = time };

        await workflow.ReportWaitingAsync(await FixedAsync(), time);

        Assert.Equal(2, server.Comments(42).Count);
        Assert.Equal(3, server.Requests.Count(r => r.Path == "/api/v3/user"));
        Assert.Empty(workflow.Warnings);
    }

    [Fact(Timeout = 60000)]
    public async Task A_5xx_that_lasts_ends_in_one_warning_after_three_tries()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(100, 503, "Service Unavailable");
        var time = new FakeTimeProvider();
        using var workflow = new Workflow(server) { Time = time };

        await workflow.ReportWaitingAsync(await FixedAsync(), time);

        Assert.Empty(server.Comments(42));
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains("GitHub answered 503 (tried 3 times): Service Unavailable", Assert.Single(workflow.Warnings), StringComparison.Ordinal);
    }

    [Theory(Timeout = 60000)]
    [InlineData(403)]
    [InlineData(429)]
    public async Task The_primary_rate_limit_is_waited_for_until_x_ratelimit_reset_and_the_comment_is_written(int status)
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        server.RateLimitNext(1, start.AddSeconds(30), status);
        using var workflow = new Workflow(server) { Time = time };

        await workflow.ReportWaitingAsync(await FixedAsync(), time);

        Assert.Equal(2, server.Comments(42).Count);
        Assert.True(time.GetUtcNow() - start >= TimeSpan.FromSeconds(30));
        Assert.Empty(workflow.Warnings);
    }

    [Fact(Timeout = 60000)]
    public async Task A_rate_limit_that_resets_in_an_hour_is_not_waited_for_and_is_never_called_a_token_that_cannot_write()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        var time = new FakeTimeProvider();
        var reset = time.GetUtcNow().AddHours(1);
        server.RateLimitNext(100, reset);
        using var workflow = new Workflow(server) { Time = time };

        // Nothing waits: the fake clock is never moved.
        await workflow.ReportAsync(await FixedAsync());

        var warning = Assert.Single(workflow.Warnings);
        Assert.Contains($"the token's GitHub API rate limit is used up until {reset.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot write", warning, StringComparison.Ordinal);
        Assert.Single(server.Requests);
        Assert.Empty(server.Comments(42));
    }

    private static int Count(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;
}
