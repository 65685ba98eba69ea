using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;
using EvalRunner.Tests.Reports;

namespace EvalRunner.Tests.GitHub;

/// <summary>
/// The real <c>evalrunner</c> process in a pull-request workflow: GitHub's size limits, the comment's author, and a
/// GitHub that is down or rate-limited (the exit code comes from the verdict, the fault is one warning, nothing crashes).
/// </summary>
public sealed class GitHubCliTests
{
    private const string PassingSuite =
        "name: smoke\ndataset:\n  - {id: a, input: hello}\nmodels: [{provider: command, command: [python3, -c, \"print('one two three')\"]}]\nevaluators: [{type: length}]\nthresholds: ['length.words <= 5']\n";

    private static Task<BufferedCommandResult> EvalRunnerAsync(TempDirectory dir, FakeGitHubServer server, string[] arguments, params (string Name, string Value)[] more) =>
        CliWrap.Cli.Wrap("dotnet")
            .WithArguments([Cli.EvalRunnerCli.Path, .. arguments])
            .WithWorkingDirectory(dir.Path)
            .WithEnvironmentVariables(env =>
            {
                env.Set("NO_COLOR", "1")
                    .Set("GITHUB_ACTIONS", "true")
                    .Set("GITHUB_STEP_SUMMARY", Path.Combine(dir.Path, "step_summary.md"))
                    .Set("GITHUB_OUTPUT", Path.Combine(dir.Path, "output.txt"))
                    .Set("GITHUB_EVENT_PATH", Path.Combine(dir.Path, "event.json"))
                    .Set("GITHUB_API_URL", server.ApiUrl.ToString())
                    .Set("GITHUB_REPOSITORY", "acme/bot")
                    .Set("GITHUB_TOKEN", "ghs_cli_fault_token_0123");
                foreach (var (name, value) in more)
                {
                    env.Set(name, value);
                }
            })
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);

    private static TempDirectory Workspace()
    {
        var dir = new TempDirectory();
        dir.File("s.eval.yaml", PassingSuite);
        dir.File("event.json", "{\"pull_request\":{\"number\":5}}");
        return dir;
    }

    private static string[] Warnings(BufferedCommandResult result) =>
        [.. (result.StandardOutput + result.StandardError).Split('\n').Where(l => l.StartsWith("::warning::", StringComparison.Ordinal))];

    [Fact(Timeout = 180000)]
    public async Task Run_with_GitHub_unreachable_exits_0_for_a_passing_run_with_one_warning_and_no_stack_trace()
    {
        var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        await server.DisposeAsync();
        using var dir = Workspace();

        // One try: the backoff between tries is covered with a fake clock in GitHubReporterTests.
        var result = await EvalRunnerAsync(dir, server, ["run", "s.eval.yaml", "--out", "out"], ("EVALRUNNER_GITHUB_TRIES", "1"));

        var all = result.StandardOutput + result.StandardError;
        Assert.True(result.ExitCode == 0, all);
        var warning = Assert.Single(Warnings(result));
        Assert.Contains("EvalRunner did not comment on pull request #5 for suite 'smoke': GitHub could not be reached at " + server.ApiUrl + " (tried once)", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", all, StringComparison.Ordinal);
        Assert.DoesNotContain("HttpRequestException", all, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        Assert.Equal("pass", System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "smoke", "run.json"))).RootElement.GetProperty("verdict").GetString());
        Assert.Contains("## ✅ EvalRunner: smoke passed", File.ReadAllText(Path.Combine(dir.Path, "step_summary.md")), StringComparison.Ordinal);
        Assert.Contains("passed=true", File.ReadAllText(Path.Combine(dir.Path, "output.txt")), StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Report_github_under_a_rate_limit_exits_from_the_verdict_and_warns_about_the_limit_not_about_permissions()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = Workspace();
        var run = await EvalRunnerAsync(dir, server, ["run", "s.eval.yaml", "--out", "out"], ("EVALRUNNER_GITHUB", "off"));
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Empty(server.Requests);
        server.RateLimitNext(100, TimeProvider.System.GetUtcNow().AddHours(1));

        var result = await EvalRunnerAsync(dir, server, ["report", "out", "--github", "--fail-on", "thresholds", "--out", "out/summary.md"]);

        var all = result.StandardOutput + result.StandardError;
        Assert.True(result.ExitCode == 0, all);
        var warning = Assert.Single(Warnings(result));
        Assert.Contains("the token's GitHub API rate limit is used up until", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot write", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", all, StringComparison.Ordinal);
        // The reset is an hour away: tried once, not waited for.
        Assert.Single(server.Requests);
        Assert.Empty(server.Comments(5));
    }

    [Fact(Timeout = 180000)]
    public async Task Report_github_with_comment_author_edits_that_logins_comment()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        server.AddInstallationToken("ghs_cli_fault_token_0123", "evals-app[bot]");
        using var dir = Workspace();
        var run = await EvalRunnerAsync(dir, server, ["run", "s.eval.yaml", "--out", "out"], ("EVALRUNNER_GITHUB", "off"));
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        var apps = server.AddComment(5, EvalRunner.Reports.MarkdownReport.Marker("smoke") + "\nold", "evals-app[bot]");

        var result = await EvalRunnerAsync(dir, server, ["report", "out", "--github", "--comment-author", "evals-app[bot]"]);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var comment = Assert.Single(server.Comments(5));
        Assert.Equal(apps, comment.Id);
        Assert.Contains("## ✅ EvalRunner: smoke passed", comment.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Path == "/api/v3/user");
        Assert.Empty(Warnings(result));
    }

    [Fact(Timeout = 180000)]
    public async Task Report_github_cuts_the_comment_and_job_summary_to_GitHubs_byte_limits_and_keeps_the_whole_summary_file()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = Workspace();
        var answer = string.Concat(Enumerable.Repeat("答えは😀です。返金は🎉三十日以内。", 300));
        await ReportFixture.WriteAsync(dir, Enumerable.Range(0, 400).Select(i => ($"dp-{i}", answer, false)), TestContext.Current.CancellationToken);

        var result = await EvalRunnerAsync(dir, server, ["report", "out", "--github", "--out", "out/summary.md"]);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var comment = Assert.Single(server.Requests, r => r.Method == "POST");
        Assert.True(comment.CommentBytes <= 65_536, $"{comment.CommentBytes} bytes");
        Assert.Contains("the full report is in the evalrunner\\-results artifact of this workflow run", comment.Comment, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(dir.Path, "step_summary.md")).Length <= 1024 * 1024);
        var summary = File.ReadAllText(Path.Combine(dir.Path, "out", "summary.md"));
        Assert.DoesNotContain("were cut to stay under", summary, StringComparison.Ordinal);
        Assert.Equal(400, summary.Split("<details>").Length - 1);
    }
}
