using System.IO.Compression;
using System.Text.Json;
using EvalRunner.GitHub;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.GitHub;

/// <summary>
/// The baseline of a pull request: Octokit's real requests against the GitHub-API-shaped test server, whose artifact
/// downloads redirect to a second listener as GitHub's do to blob storage; and <c>evalrunner baseline fetch</c> itself.
/// </summary>
public sealed class BaselineArtifactTests
{
    private const string Token = "ghs_baseline_secret_token_4242";

    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string> Environment(FakeGitHubServer server) => new()
    {
        ["GITHUB_ACTIONS"] = "true",
        ["GITHUB_API_URL"] = server.ApiUrl.ToString(),
        ["GITHUB_REPOSITORY"] = "acme/bot",
        ["GITHUB_TOKEN"] = Token,
        ["GITHUB_BASE_REF"] = "main",
        ["GITHUB_WORKFLOW_REF"] = "acme/bot/.github/workflows/evals.yml@refs/pull/7/merge",
    };

    private static Task<BaselineFetch> FetchAsync(FakeGitHubServer server, string outDirectory, TimeProvider? time = null, ArtifactZipLimits? limits = null) =>
        new BaselineArtifact(new Settings(Environment(server)), time).FetchAsync(new BaselineRequest { OutDirectory = outDirectory, Limits = limits ?? new() }, TestContext.Current.CancellationToken);

    /// <summary>Fetches with the fake clock moved on whenever the retries wait on it.</summary>
    private static async Task<BaselineFetch> FetchWaitingAsync(FakeGitHubServer server, string outDirectory, FakeTimeProvider time)
    {
        var fetching = FetchAsync(server, outDirectory, time);
        while (await Task.WhenAny(fetching, Task.Delay(10, TestContext.Current.CancellationToken)) != fetching)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        return await fetching;
    }

    /// <summary>A results directory as `evalrunner run --out results` writes it (one suite, run for real), zipped as the Action uploads it.</summary>
    private static async Task<(byte[] Zip, string RunJson)> ResultsArtifactAsync(TempDirectory dir)
    {
        var results = Path.Combine(dir.Path, "results");
        var run = await SuiteRun.RunAsync(
            dir.File("s.eval.yaml", "name: smoke\ndataset:\n  - {id: a, input: hello}\nmodels: [{provider: command, command: [python3, -c, \"print('one two three')\"]}]\nevaluators: [{type: length}]\nthresholds: ['length.words <= 5']\n"),
            TestSettings.With(),
            new RunRequest { OutputDirectory = Path.Combine(results, "smoke") },
            TestContext.Current.CancellationToken);
        Assert.Equal(Verdict.Pass, run.Result.Verdict);
        File.WriteAllText(Path.Combine(results, "summary.md"), "## ✅ EvalRunner: smoke passed\n");
        return (FakeGitHubServer.Zip(results), File.ReadAllText(Path.Combine(results, "smoke", "run.json")));
    }

    private static long Run(FakeGitHubServer server, string sha, DateTimeOffset at, string branch = "main", string conclusion = "success", string workflow = "evals.yml", string @event = "push", string? headRepository = null) =>
        server.AddWorkflowRun(new FakeWorkflowRun { Workflow = workflow, Branch = branch, HeadSha = sha, CreatedAt = at, Conclusion = conclusion, Event = @event, HeadRepository = headRepository });

    private static byte[] ZipOf(params (string Name, string Content, int? UnixMode)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content, mode) in entries)
            {
                var entry = zip.CreateEntry(name);
                if (mode is { } unixMode)
                {
                    entry.ExternalAttributes = unixMode << 16;
                }

                using var writer = new StreamWriter(entry.Open());
                writer.Write(content);
            }
        }

        return buffer.ToArray();
    }

    [Fact(Timeout = 60000)]
    public async Task The_artifact_of_the_latest_successful_run_of_the_workflow_on_the_base_branch_is_extracted_with_baseline_json()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var (zip, runJson) = await ResultsArtifactAsync(dir);
        var older = Run(server, "aaaaaaa1111111111111111111111111111111111", Monday);
        var latest = Run(server, "bbbbbbb2222222222222222222222222222222222", Monday.AddDays(1));
        server.AddArtifact(older, GitHubOptions.ResultsArtifact, ZipOf(("smoke/run.json", "{}", null)));
        server.AddArtifact(latest, "coverage", ZipOf(("coverage.xml", "<coverage/>", null)));
        var artifact = server.AddArtifact(latest, GitHubOptions.ResultsArtifact, zip);

        // Newer, but none of them is the base branch's own successful run of this workflow.
        foreach (var other in new[]
        {
            Run(server, "c1", Monday.AddDays(2), conclusion: "failure"),
            Run(server, "c2", Monday.AddDays(2), branch: "feature"),
            Run(server, "c3", Monday.AddDays(2), workflow: "release.yml"),
            Run(server, "c4", Monday.AddDays(2), @event: "pull_request", headRepository: "mallory/bot"),
        })
        {
            server.AddArtifact(other, GitHubOptions.ResultsArtifact, ZipOf(("smoke/run.json", "{\"wrong\":true}", null)));
        }

        var baseline = Path.Combine(dir.Path, "baseline");

        var fetch = await FetchAsync(server, baseline);

        Assert.Equal(BaselineOutcome.Found, fetch.Outcome);
        Assert.Equal(runJson, File.ReadAllText(Path.Combine(baseline, "smoke", "run.json")));
        Assert.True(File.Exists(Path.Combine(baseline, "smoke", "results.jsonl")));
        Assert.True(File.Exists(Path.Combine(baseline, "summary.md")));
        var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(baseline, "baseline.json"))).RootElement;
        Assert.Equal("bbbbbbb2222222222222222222222222222222222", info.GetProperty("commit").GetString());
        Assert.Equal("main", info.GetProperty("branch").GetString());
        Assert.Equal(Monday.AddDays(1), info.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal($"https://github.example/acme/bot/actions/runs/{latest}", info.GetProperty("run_url").GetString());
        Assert.Equal((GitHubOptions.ResultsArtifact, artifact), (info.GetProperty("artifact").GetProperty("name").GetString(), info.GetProperty("artifact").GetProperty("id").GetInt64()));
        Assert.Equal(["baseline"], Directory.GetDirectories(dir.Path).Select(Path.GetFileName).Where(n => n!.Contains("baseline", StringComparison.Ordinal)));
        Assert.Contains(server.Requests, r => r.Path == "/api/v3/repos/acme/bot/actions/workflows/evals.yml/runs");
        Assert.Equal($"/api/v3/repos/acme/bot/actions/artifacts/{artifact}/zip", Assert.Single(server.Requests, r => r.Path.EndsWith("/zip", StringComparison.Ordinal)).Path);
    }

    [Fact(Timeout = 60000)]
    public async Task Following_the_download_redirect_to_blob_storage_on_another_port_does_not_send_the_token_there()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var (zip, _) = await ResultsArtifactAsync(dir);
        server.AddArtifact(Run(server, "abc", Monday), GitHubOptions.ResultsArtifact, zip);

        var fetch = await FetchAsync(server, Path.Combine(dir.Path, "baseline"));

        Assert.Equal(BaselineOutcome.Found, fetch.Outcome);

        // Same host, another port: a check of the host name alone (Octokit's own redirect handler) would have sent it.
        Assert.Equal((server.ApiUrl.Host, true), (server.BlobUrl.Host, server.BlobUrl.Port != server.ApiUrl.Port));
        var blob = Assert.Single(server.BlobRequests);
        Assert.Null(blob.Authorization);
        Assert.StartsWith("/blobs/", blob.Path, StringComparison.Ordinal);
        Assert.All(server.Requests, r => Assert.Equal("Token " + Token, r.Authorization));
    }

    [Fact(Timeout = 60000)]
    public async Task An_expired_artifact_is_skipped_and_the_next_older_successful_runs_artifact_is_taken()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var (zip, runJson) = await ResultsArtifactAsync(dir);
        var older = Run(server, "older-sha", Monday);
        var latest = Run(server, "latest-sha", Monday.AddDays(1));
        var taken = server.AddArtifact(older, GitHubOptions.ResultsArtifact, zip);
        var expired = server.AddArtifact(latest, GitHubOptions.ResultsArtifact, ZipOf(("smoke/run.json", "{}", null)), expired: true);
        var baseline = Path.Combine(dir.Path, "baseline");

        var fetch = await FetchAsync(server, baseline);

        Assert.Equal(BaselineOutcome.Found, fetch.Outcome);
        Assert.Equal(("older-sha", taken), (fetch.Baseline!.Commit, fetch.Baseline.Artifact.Id));
        Assert.Equal(runJson, File.ReadAllText(Path.Combine(baseline, "smoke", "run.json")));
        Assert.DoesNotContain(server.Requests, r => r.Path.EndsWith($"/artifacts/{expired}/zip", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60000)]
    public async Task Only_expired_artifacts_in_the_runs_looked_at_is_no_baseline_and_no_folder()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        for (var day = 0; day < 12; day++)
        {
            server.AddArtifact(Run(server, $"sha-{day}", Monday.AddDays(day)), GitHubOptions.ResultsArtifact, ZipOf(("smoke/run.json", "{}", null)), expired: true);
        }

        var fetch = await FetchAsync(server, Path.Combine(dir.Path, "baseline"));

        Assert.Equal(BaselineOutcome.None, fetch.Outcome);
        Assert.Equal("the 10 latest successful runs of evals.yml on branch main had no evalrunner-results artifact to download (their artifacts have expired)", fetch.Reason);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "baseline")));

        // Bounded: the runs' artifacts are listed for 10 runs, not for all 12.
        Assert.Equal(10, server.Requests.Count(r => r.Path.EndsWith("/artifacts", StringComparison.Ordinal)));
    }

    [Theory(Timeout = 120000)]
    [InlineData("no-run", "no baseline: no successful run of evals.yml on branch main. The evaluation runs without a comparison.")]
    [InlineData("expired", "no baseline: the latest successful run of evals.yml on branch main had no evalrunner-results artifact to download (its artifact has expired). The evaluation runs without a comparison.")]
    [InlineData("new-workflow", "no baseline: GitHub knows no workflow new-evals.yml in acme/bot (404): a workflow that is new in this pull request has no runs on main yet. The evaluation runs without a comparison.")]
    [InlineData("not-a-pull-request", "no baseline: this is not a pull request (GITHUB_BASE_REF is not set), so there is no base branch; give --branch to compare with one. The evaluation runs without a comparison.")]
    public async Task Baseline_fetch_without_a_baseline_prints_a_notice_exits_0_and_creates_no_folder(string situation, string notice)
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        Run(server, "failed-sha", Monday, conclusion: "failure");
        if (situation == "expired")
        {
            server.AddArtifact(Run(server, "sha", Monday), GitHubOptions.ResultsArtifact, ZipOf(("smoke/run.json", "{}", null)), expired: true);
        }

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["baseline", "fetch", "--out", "baseline"], TestContext.Current.CancellationToken, env =>
        {
            foreach (var (name, value) in Environment(server))
            {
                env.Set(name, situation == "not-a-pull-request" && name == "GITHUB_BASE_REF" ? null : value);
            }

            if (situation == "new-workflow")
            {
                env.Set("GITHUB_WORKFLOW_REF", "acme/bot/.github/workflows/new-evals.yml@refs/pull/7/merge");
            }
        });

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal(notice, result.StandardOutput.Trim());
        Assert.Empty(result.StandardError);
        Assert.Empty(Directory.GetDirectories(dir.Path));
        if (situation == "not-a-pull-request")
        {
            Assert.Empty(server.Requests);
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Baseline_fetch_prints_where_the_baseline_is_and_never_the_token()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var (zip, _) = await ResultsArtifactAsync(dir);
        var run = Run(server, "0123456789abcdef0123456789abcdef01234567", Monday);
        server.AddArtifact(run, GitHubOptions.ResultsArtifact, zip);

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["baseline", "fetch", "--out", "baseline"], TestContext.Current.CancellationToken, env =>
        {
            foreach (var (name, value) in Environment(server))
            {
                env.Set(name, value);
            }
        });

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal(
            $"baseline: the evalrunner-results artifact of main at 0123456 (https://github.example/acme/bot/actions/runs/{run}, 2026-03-02 09:00 UTC) → baseline",
            result.StandardOutput.Trim());
        Assert.True(File.Exists(Path.Combine(dir.Path, "baseline", "smoke", "run.json")));
        Assert.DoesNotContain(Token, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task Baseline_fetch_of_an_artifact_with_a_zip_slip_entry_is_a_clear_error_that_writes_nothing()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var work = Directory.CreateDirectory(Path.Combine(dir.Path, "work")).FullName;
        var run = Run(server, "sha", Monday);
        var artifact = server.AddArtifact(run, GitHubOptions.ResultsArtifact, ZipOf(("smoke/run.json", "{}", null), ("../../evil.txt", "pwned", null)));

        var result = await EvalRunnerCli.RunAsync(work, ["baseline", "fetch", "--out", "baseline"], TestContext.Current.CancellationToken, env =>
        {
            foreach (var (name, value) in Environment(server))
            {
                env.Set(name, value);
            }
        });

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            $"error: the evalrunner-results artifact (id {artifact}) of https://github.example/acme/bot/actions/runs/{run}: entry '../../evil.txt' would be written outside the folder (a '..' in its path: zip slip). No baseline was kept.",
            result.StandardError.Trim());
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(work));
        Assert.Equal(["work"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    public static TheoryData<string, byte[], string> HostileArtifacts() => new()
    {
        { "absolute path", ZipOf(("/tmp/evalrunner-absolute.txt", "x", null)), "entry '/tmp/evalrunner-absolute.txt' is an absolute path" },
        { "drive path", ZipOf(("C:/evil.txt", "x", null)), "entry 'C:/evil.txt' is an absolute path" },
        { "backslash", ZipOf(("..\\evil.txt", "x", null)), "entry '..\\evil.txt' has a backslash or a control character in its name" },
        { "control character", ZipOf(("a\n::error::x.txt", "x", null)), "entry 'a<U+000A>::error::x.txt' has a backslash or a control character in its name" },
        { "symbolic link", ZipOf(("smoke/link", "/etc/passwd", 0xA1FF)), "entry 'smoke/link' is a symbolic link" },
        { "twice", ZipOf(("a.txt", "1", null), ("a.txt", "2", null)), "entry 'a.txt' appears twice or clashes with a folder" },
        { "file too big", ZipOf(("big.txt", new string('x', 2000), null)), "entry 'big.txt' unpacks to 2000 bytes, over the limit of 1500 per file" },
        { "too big in all", ZipOf(("a.txt", new string('x', 1000), null), ("b.txt", new string('x', 1000), null), ("c.txt", new string('x', 1000), null)), "unpacks to more than the limit of 2500 bytes in all" },
        { "too many files", ZipOf([.. Enumerable.Range(0, 11).Select(i => ($"{i}.txt", "x", (int?)null))]), "holds 11 entries, over the limit of 10" },
        { "not a zip", "PK\u0003\u0004 this is not a zip archive"u8.ToArray(), "is not a zip archive that can be read (damaged or cut short)" },
    };

    [Theory(Timeout = 60000)]
    [MemberData(nameof(HostileArtifacts))]
    public async Task A_hostile_or_damaged_artifact_is_refused_with_the_entry_named_and_leaves_no_folder(string why, byte[] zip, string message)
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var run = Run(server, "sha", Monday);
        var artifact = server.AddArtifact(run, GitHubOptions.ResultsArtifact, zip);

        var ex = await Assert.ThrowsAsync<BaselineException>(
            () => FetchAsync(server, Path.Combine(dir.Path, "baseline"), limits: new ArtifactZipLimits { MaxBytes = 2500, MaxEntryBytes = 1500, MaxEntries = 10 }));

        Assert.StartsWith($"the evalrunner-results artifact (id {artifact}) of https://github.example/acme/bot/actions/runs/{run}", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Contains(message, StringComparison.Ordinal), why + ": " + ex.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        Assert.False(File.Exists("/tmp/evalrunner-absolute.txt"));
    }

    [Fact(Timeout = 60000)]
    public async Task An_artifact_larger_than_the_limit_is_refused_before_it_is_downloaded()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var zip = ZipOf(("a.txt", "x", null));
        server.AddArtifact(Run(server, "sha", Monday), GitHubOptions.ResultsArtifact, zip);

        var ex = await Assert.ThrowsAsync<BaselineException>(() => FetchAsync(server, Path.Combine(dir.Path, "baseline"), limits: new ArtifactZipLimits { MaxBytes = 50 }));

        Assert.EndsWith($" is {zip.Length} bytes, over the limit of 50", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Path.EndsWith("/zip", StringComparison.Ordinal));
        Assert.Empty(server.BlobRequests);
    }

    [Fact(Timeout = 60000)]
    public async Task An_output_folder_that_is_not_empty_is_refused_before_GitHub_is_asked()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("baseline/keep.txt", "mine");

        var ex = await Assert.ThrowsAsync<BaselineException>(() => FetchAsync(server, Path.Combine(dir.Path, "baseline")));

        Assert.Contains("the folder is not empty; give a new or empty folder", ex.Message, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dir.Path, "baseline", "keep.txt")));
        Assert.Empty(server.Requests);
    }

    [Fact(Timeout = 60000)]
    public async Task A_5xx_answer_is_retried_with_backoff_and_the_baseline_is_found()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var (zip, _) = await ResultsArtifactAsync(dir);
        server.AddArtifact(Run(server, "sha", Monday), GitHubOptions.ResultsArtifact, zip);
        server.FailNext(2, 502, "Server Error");
        var time = new FakeTimeProvider();

        var fetch = await FetchWaitingAsync(server, Path.Combine(dir.Path, "baseline"), time);

        Assert.Equal(BaselineOutcome.Found, fetch.Outcome);
        Assert.Equal(3, server.Requests.Count(r => r.Path.EndsWith("/runs", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 60000)]
    public async Task A_5xx_that_lasts_is_unavailable_after_three_tries_with_no_folder()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        server.FailNext(100, 503, "Service Unavailable");
        var time = new FakeTimeProvider();

        var fetch = await FetchWaitingAsync(server, Path.Combine(dir.Path, "baseline"), time);

        Assert.Equal(BaselineOutcome.Unavailable, fetch.Outcome);
        Assert.Equal("GitHub answered 503 (tried 3 times): Service Unavailable", fetch.Reason);
        Assert.Equal(3, server.Requests.Count);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact(Timeout = 60000)]
    public async Task A_rate_limit_that_resets_in_an_hour_is_unavailable_at_once_and_says_until_when()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider();
        server.RateLimitNext(100, time.GetUtcNow().AddHours(1));

        var fetch = await FetchWaitingAsync(server, Path.Combine(dir.Path, "baseline"), time);

        Assert.Equal(BaselineOutcome.Unavailable, fetch.Outcome);
        Assert.StartsWith("the token's GitHub API rate limit is used up until", fetch.Reason, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact(Timeout = 60000)]
    public async Task A_token_without_actions_read_is_unavailable_at_once_with_the_permission_to_grant()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        Run(server, "sha", Monday);
        server.FailNext(1, 403, "Resource not accessible by integration");

        var fetch = await FetchAsync(server, Path.Combine(dir.Path, "baseline"));

        Assert.Equal(BaselineOutcome.Unavailable, fetch.Outcome);
        Assert.Equal("the token cannot read the workflow runs and artifacts of acme/bot (the workflow needs `permissions: actions: read`): Resource not accessible by integration", fetch.Reason);
        Assert.Single(server.Requests);
    }

    [Fact(Timeout = 60000)]
    public async Task Baseline_fetch_with_GitHub_failing_prints_one_warning_and_exits_0()
    {
        await using var server = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        server.FailNext(100, 503, "Service Unavailable");

        // One try: the backoff between tries is covered with a fake clock above.
        var result = await EvalRunnerCli.RunAsync(dir.Path, ["baseline", "fetch", "--out", "baseline"], TestContext.Current.CancellationToken, env =>
        {
            foreach (var (name, value) in Environment(server))
            {
                env.Set(name, value);
            }

            env.Set("EVALRUNNER_GITHUB_TRIES", "1");
        });

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal("::warning::EvalRunner: no baseline: GitHub answered 503 (tried once): Service Unavailable. The evaluation runs without a comparison.", result.StandardOutput.Trim());
        Assert.Empty(Directory.GetDirectories(dir.Path));
    }

    [Theory]
    [InlineData("acme/bot/.github/workflows/evals.yml@refs/pull/7/merge", "evals.yml")]
    [InlineData("acme/bot/.github/workflows/ci-evals.yaml@refs/heads/feature@2", "ci-evals.yaml")]
    [InlineData("acme/bot/.github/workflows/evals.yml", "evals.yml")]
    [InlineData(null, null)]
    public void The_workflow_file_is_read_from_GITHUB_WORKFLOW_REF(string? workflowRef, string? file) =>
        Assert.Equal(file, BaselineArtifact.WorkflowFile(workflowRef));
}
