using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using Octokit;

namespace EvalRunner.GitHub;

/// <summary>
/// Puts results where reviewers look: the job summary (<c>GITHUB_STEP_SUMMARY</c>), step outputs
/// (<c>GITHUB_OUTPUT</c>), <c>::error</c> annotations on failing datapoints, and one pull-request comment per suite,
/// found again by a hidden marker and edited in place (Octokit, against <c>GITHUB_API_URL</c>) unless it shows a run that
/// started later (<see cref="CommentStamp"/>). Only comments written
/// by the token's own identity are edited, and duplicates left by runs reporting at the same moment are deleted. The
/// summary and comments are cut to GitHub's limits in bytes. A comment that cannot be written (a fork's read-only token,
/// GitHub down or rate-limited after the retries of <see cref="RetryAfterHandler"/>) is a warning; it never throws,
/// changes the verdict or loses the summary. Everything it writes passes <see cref="Settings.Redact"/>.
/// </summary>
internal sealed class GitHubReporter(Settings settings, TextWriter log, TimeProvider? timeProvider = null)
{
    /// <summary>GitHub's limit for the step summary.</summary>
    public const int StepSummaryLimit = 1024 * 1024;

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Reports the runs; returns whether every run passed (an unmeasured run did not).</summary>
    public async Task<bool> ReportAsync(IReadOnlyList<RunReport> reports, GitHubOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(options);
        var verdict = RunResult.VerdictOf(reports.Select(r => r.Run));
        var passed = verdict is Verdict.Pass or Verdict.Skipped;

        // Known before anything is written, not only when the comment needs it.
        settings.GetSecret("GITHUB_TOKEN");
        if (settings.Get("GITHUB_STEP_SUMMARY") is { } summaryFile)
        {
            await WriteOrWarnAsync("GITHUB_STEP_SUMMARY", summaryFile, () => WriteSummaryAsync(summaryFile, reports, options, cancellationToken)).ConfigureAwait(false);
        }

        if (settings.Get("GITHUB_OUTPUT") is { } outputFile)
        {
            var rate = RunResult.PassRateOf(reports.Select(r => r.Run));
            var outputs = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"passed={(passed ? "true" : "false")}\n")
                .Append(CultureInfo.InvariantCulture, $"pass-rate={rate.ToString("0.####", CultureInfo.InvariantCulture)}\n")
                .Append(CultureInfo.InvariantCulture, $"results-dir={options.ResultsDirectory}\n");
            if (options.SummaryPath is not null)
            {
                outputs.Append(CultureInfo.InvariantCulture, $"summary-path={options.SummaryPath}\n");
            }

            // What the run results decided, one word: pass, fail, error, cancelled, skipped or unmeasured.
            outputs.Append(CultureInfo.InvariantCulture, $"verdict={verdict.ToString().ToLowerInvariant()}\n");

            await WriteOrWarnAsync("GITHUB_OUTPUT", outputFile, () => File.AppendAllTextAsync(outputFile, settings.Redact(outputs.ToString()), cancellationToken)).ConfigureAwait(false);
        }

        Annotate(reports);
        if (options.Comment != "off")
        {
            await CommentAsync(reports, options, cancellationToken).ConfigureAwait(false);
        }

        return passed;
    }

    /// <summary>Writes a file GitHub reads; one that cannot be written (a full disk) is a warning, never a changed verdict.</summary>
    private async Task WriteOrWarnAsync(string variable, string path, Func<Task> write)
    {
        try
        {
            await write().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"::warning::EvalRunner could not write {variable} ({Data(path)}): {Data(ex.Message)}. The verdict is unchanged; the results folder has the full report.");
        }
    }

    private void Annotate(IReadOnlyList<RunReport> reports)
    {
        var count = 0;
        var workspace = settings.Get("GITHUB_WORKSPACE");
        foreach (var report in reports)
        {
            // A row that needs a live run (replay mode) neither failed nor errored: the summary lists it, no annotation.
            foreach (var row in report.Rows.Where(r => r.Outcome != Outcome.Pass && !r.NeedsLiveRun))
            {
                // GitHub shows at most 10 error annotations per step; more are noise.
                if (++count > 10)
                {
                    return;
                }

                var place = ReportValues.Place(row) is ({ } file, var line) && AnnotationPath.InRepository(file, workspace, Directory.GetCurrentDirectory()) is { } path
                    ? $"file={Property(path)},line={line},"
                    : string.Empty;

                var why = row.Outcome == Outcome.Error ? row.Error?.Message ?? "error" : string.Join("; ", row.FailedRules);
                log.WriteLine($"::error {place}title={Property($"{report.Run.Suite} › {row.DatapointId} [{row.ModelConfig}]")}::{Data($"{ReportValues.Outcome(row)}: {why}")}");
            }
        }
    }

    private async Task WriteSummaryAsync(string summaryFile, IReadOnlyList<RunReport> reports, GitHubOptions options, CancellationToken cancellationToken)
    {
        // GitHub drops a step's whole summary over 1 MiB, counted in bytes with whatever the step wrote before.
        var written = File.Exists(summaryFile) ? new FileInfo(summaryFile).Length : 0;
        var room = (int)Math.Max(0, StepSummaryLimit - written - 1);
        if (room < 1024)
        {
            log.WriteLine("::warning::EvalRunner did not add to the job summary: this step's summary is already at GitHub's 1 MiB limit. "
                + $"The full report is in {Data(options.FullReport)}.");
            return;
        }

        // Redaction only shortens the text; Fit keeps it within the room whatever happens.
        var summary = MarkdownReport.Fit(settings.Redact(MarkdownReport.Render(reports, options.FullReport, room)), room, options.FullReport);
        await File.AppendAllTextAsync(summaryFile, summary + "\n", cancellationToken).ConfigureAwait(false);
    }

    private async Task CommentAsync(IReadOnlyList<RunReport> reports, GitHubOptions options, CancellationToken cancellationToken)
    {
        if (PullRequest() is not (var number, var head))
        {
            return;
        }

        var token = settings.GetSecret("GITHUB_TOKEN");
        var repository = settings.Get("GITHUB_REPOSITORY")?.Split('/');
        if (token is null || repository is not [var owner, var name])
        {
            log.WriteLine("::warning::EvalRunner did not comment on the pull request: GITHUB_TOKEN or GITHUB_REPOSITORY is not set. The step summary has the results.");
            return;
        }

        var github = GitHubApi.Connect(settings, token, options.Tries, _time);
        var client = github.Client;
        var pending = reports.Select(r => r.Run.Suite).ToList();
        try
        {
            // Only the writer's own comments are edited: never a person's that quotes the marker, never another bot's.
            var author = options.Comment == "update" ? await AuthorAsync(client, options).ConfigureAwait(false) : null;
            foreach (var report in reports)
            {
                try
                {
                    await CommentAsync(client, new CommentThread { Owner = owner, Name = name, Number = number }, report, author, head, options).ConfigureAwait(false);
                }
                catch (ApiException ex) when (!GitHubApi.IsUnavailable(ex))
                {
                    // This suite's comment was refused (a fork's read-only token, a locked conversation): say so, go on.
                    log.WriteLine($"::warning::EvalRunner did not comment on pull request #{number} for suite '{Data(report.Run.Suite)}': {Data(Why(github, ex) + ": " + ex.Message)}. The step summary has the results; the verdict is unchanged.");
                }

                pending.Remove(report.Run.Suite);
            }
        }
        catch (Exception ex) when (GitHubApi.IsFault(ex, cancellationToken) || GitHubApi.IsGarbled(ex))
        {
            // GitHub is down, failing or rate-limited for this token: one warning for every suite left, never a crash.
            var detail = ex is ApiException or HttpRequestException ? ": " + ex.Message : string.Empty;
            log.WriteLine(
                $"::warning::EvalRunner did not comment on pull request #{number} for {(pending.Count == 1 ? "suite" : "suites")} {Data(string.Join(", ", pending.Select(s => $"'{s}'")))}: "
                + $"{Data(Why(github, ex) + detail)}. The step summary has the results; the verdict is unchanged.");
        }
    }

    private async Task CommentAsync(GitHubClient client, CommentThread pr, RunReport report, string? author, string? head, GitHubOptions options)
    {
        // The run this comment shows, in its hidden last line: a run that started earlier does not overwrite it.
        var stamp = new CommentStamp { Head = head, StartedAt = report.Run.StartedAt == default ? null : report.Run.StartedAt };
        var stampLine = "\n" + stamp.Format() + "\n";
        var reserve = MarkdownReport.Size(stampLine);

        // Redaction only shortens the text; Fit keeps the body within GitHub's limit whatever happens.
        var body = MarkdownReport.Fit(
            settings.Redact(MarkdownReport.Render([report], options.FullReport, MarkdownReport.GitHubCommentLimit, marker: true, reserve: reserve)),
            MarkdownReport.GitHubCommentLimit,
            options.FullReport,
            reserve) + stampLine;
        var marker = settings.Redact(MarkdownReport.Marker(report.Run.Suite));
        if (author is null)
        {
            await client.Issue.Comment.Create(pr.Owner, pr.Name, pr.Number, body).ConfigureAwait(false);
            log.WriteLine(settings.Redact($"EvalRunner: commented on pull request #{pr.Number} for suite '{report.Run.Suite}'."));
            return;
        }

        var mine = await OwnAsync(client, pr, marker, author).ConfigureAwait(false);
        if (mine.Count > 0 && Later(mine[0], stamp) is { } shown)
        {
            // Workflow runs of two pushes finish in either order: the comment already shows the run that started later.
            log.WriteLine($"::notice::EvalRunner did not update the comment on pull request #{pr.Number} for suite '{Data(report.Run.Suite)}': "
                + $"it shows a run that started later ({shown.Describe()}) than this one ({stamp.Describe()}).");
            return;
        }

        if (mine.Count > 0)
        {
            await client.Issue.Comment.Update(pr.Owner, pr.Name, mine[0].Id, body).ConfigureAwait(false);
            await DeleteAsync(client, pr, mine.Skip(1)).ConfigureAwait(false);
            log.WriteLine(settings.Redact($"EvalRunner: updated the comment on pull request #{pr.Number} for suite '{report.Run.Suite}'."));
            return;
        }

        var created = await client.Issue.Comment.Create(pr.Owner, pr.Name, pr.Number, body).ConfigureAwait(false);
        log.WriteLine(settings.Redact($"EvalRunner: commented on pull request #{pr.Number} for suite '{report.Run.Suite}'."));

        // Another run may have created one at the same moment: look again, keep the oldest with this run's body, and
        // delete the newer ones. A reporter that lost its own comment to the other one's clean-up still writes its body.
        var again = await OwnAsync(client, pr, marker, author).ConfigureAwait(false);
        if (again.Count > 0 && again[0].Id != created.Id && Later(again[0], stamp) is null)
        {
            await client.Issue.Comment.Update(pr.Owner, pr.Name, again[0].Id, body).ConfigureAwait(false);
        }

        await DeleteAsync(client, pr, again.Skip(1)).ConfigureAwait(false);
    }

    /// <summary>The stamp of <paramref name="comment"/> when it shows a run that started later than this one's; else null.</summary>
    private static CommentStamp? Later(IssueComment comment, CommentStamp stamp) =>
        CommentStamp.Read(comment.Body) is { } shown && shown.StartedAfter(stamp) ? shown : null;

    private static async Task<List<IssueComment>> OwnAsync(GitHubClient client, CommentThread pr, string marker, string author)
    {
        var comments = await client.Issue.Comment.GetAllForIssue(pr.Owner, pr.Name, pr.Number).ConfigureAwait(false);
        return [.. comments
            .Where(c => string.Equals(c.User?.Login, author, StringComparison.OrdinalIgnoreCase) && c.Body?.StartsWith(marker, StringComparison.Ordinal) == true)
            .OrderBy(c => c.CreatedAt)
            .ThenBy(c => c.Id)];
    }

    private static async Task DeleteAsync(GitHubClient client, CommentThread pr, IEnumerable<IssueComment> duplicates)
    {
        foreach (var duplicate in duplicates)
        {
            try
            {
                await client.Issue.Comment.Delete(pr.Owner, pr.Name, duplicate.Id).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                // The other run deleted it first.
            }
        }
    }

    /// <summary>The login whose comments this token writes.</summary>
    private async Task<string> AuthorAsync(GitHubClient client, GitHubOptions options)
    {
        if ((options.CommentAuthor ?? settings.GetNotSecret("EVALRUNNER_COMMENT_AUTHOR")) is { } login)
        {
            return login;
        }

        try
        {
            // A personal token is a user.
            return (await client.User.Current().ConfigureAwait(false)).Login;
        }
        catch (ApiException ex) when (ex.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound && !GitHubApi.IsUnavailable(ex))
        {
            // An installation token cannot read a user; the workflow's GITHUB_TOKEN is one, and writes as this bot.
            // Another app's installation token names its bot with comment-author.
            return WorkflowBot;
        }
    }

    /// <summary>The login of the workflow token's comments.</summary>
    public const string WorkflowBot = "github-actions[bot]";

    private static string Why(GitHubApi github, Exception ex) => github.Why(
        ex,
        "the token cannot write pull-request comments (pull requests from forks get a read-only token; the workflow needs `permissions: pull-requests: write`)");

    /// <summary>The pull request of the event, with its head commit (else <c>GITHUB_SHA</c>); null outside a pull request.</summary>
    private (long Number, string? Head)? PullRequest()
    {
        if (settings.Get("GITHUB_EVENT_PATH") is not { } path || !File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (!document.RootElement.TryGetProperty("pull_request", out var pr) || !pr.TryGetProperty("number", out var number) || !number.TryGetInt64(out var value))
        {
            return null;
        }

        var head = pr.TryGetProperty("head", out var h) && h.ValueKind == JsonValueKind.Object && h.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String
            ? sha.GetString()
            : settings.Get("GITHUB_SHA");
        return (value, CommentStamp.HeadOf(head));
    }

    // Redacted where the text goes in, before it is escaped, so that every annotation is redacted in one place.
    private string Data(string text) => WorkflowCommand.Escape(settings.Redact(text));

    private string Property(string text) => WorkflowCommand.EscapeProperty(settings.Redact(text));
}
