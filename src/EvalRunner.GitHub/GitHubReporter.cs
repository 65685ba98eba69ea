using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Reports;
using EvalRunner.Runs;
using Octokit;
using Octokit.Internal;

namespace EvalRunner.GitHub;

/// <summary>
/// Puts results where reviewers look: the job summary (<c>GITHUB_STEP_SUMMARY</c>), step outputs
/// (<c>GITHUB_OUTPUT</c>), <c>::error</c> annotations on failing datapoints, and one pull-request comment per suite,
/// found again by a hidden marker and edited in place (Octokit, against <c>GITHUB_API_URL</c>). A comment that cannot
/// be written (a fork's read-only token) is a warning; it never changes the verdict or loses the summary. Everything it
/// writes passes <see cref="Settings.Redact"/>.
/// </summary>
internal sealed class GitHubReporter(Settings settings, TextWriter log, TimeProvider? timeProvider = null)
{
    /// <summary>GitHub's limit for the step summary.</summary>
    public const int StepSummaryLimit = 1024 * 1024;

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Reports the runs; returns whether every run passed.</summary>
    public async Task<bool> ReportAsync(IReadOnlyList<RunReport> reports, GitHubOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reports);
        ArgumentNullException.ThrowIfNull(options);
        var passed = reports.All(r => r.Run.Verdict == Verdict.Pass);

        // Known before anything is written, not only when the comment needs it.
        settings.GetSecret("GITHUB_TOKEN");
        if (settings.Get("GITHUB_STEP_SUMMARY") is { } summaryFile)
        {
            var summary = settings.Redact(MarkdownReport.Render(reports, options.FullReport, StepSummaryLimit - 1024));
            await File.AppendAllTextAsync(summaryFile, summary + "\n", cancellationToken).ConfigureAwait(false);
        }

        if (settings.Get("GITHUB_OUTPUT") is { } outputFile)
        {
            var rows = reports.Sum(r => r.Run.Rows);
            var rate = rows == 0 ? 0 : (double)reports.Sum(r => r.Run.Passed) / rows;
            var outputs = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"passed={(passed ? "true" : "false")}\n")
                .Append(CultureInfo.InvariantCulture, $"pass-rate={rate.ToString("0.####", CultureInfo.InvariantCulture)}\n")
                .Append(CultureInfo.InvariantCulture, $"results-dir={options.ResultsDirectory}\n");
            if (options.SummaryPath is not null)
            {
                outputs.Append(CultureInfo.InvariantCulture, $"summary-path={options.SummaryPath}\n");
            }

            await File.AppendAllTextAsync(outputFile, settings.Redact(outputs.ToString()), cancellationToken).ConfigureAwait(false);
        }

        Annotate(reports);
        if (options.Comment != "off")
        {
            await CommentAsync(reports, options, cancellationToken).ConfigureAwait(false);
        }

        return passed;
    }

    private void Annotate(IReadOnlyList<RunReport> reports)
    {
        var count = 0;
        var workspace = settings.Get("GITHUB_WORKSPACE");
        foreach (var report in reports)
        {
            foreach (var row in report.Rows.Where(r => r.Outcome != Outcome.Pass))
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

    private async Task CommentAsync(IReadOnlyList<RunReport> reports, GitHubOptions options, CancellationToken cancellationToken)
    {
        var number = PullRequestNumber();
        if (number is null)
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

        var api = new Uri(settings.Get("GITHUB_API_URL") ?? "https://api.github.com");
        var connection = new Connection(
            new ProductHeaderValue("evalrunner"),
            api,
            new InMemoryCredentialStore(new Credentials(token)),
            new HttpClientAdapter(() => new RetryAfterHandler(_time)),
            new SimpleJsonSerializer());
        var client = new GitHubClient(connection);
        foreach (var report in reports)
        {
            // Redaction only shortens the text, so the comment stays under GitHub's limit.
            var body = settings.Redact(MarkdownReport.Render([report], options.FullReport, MarkdownReport.GitHubCommentLimit, marker: true));
            var marker = settings.Redact(MarkdownReport.Marker(report.Run.Suite));
            try
            {
                IssueComment? existing = null;
                if (options.Comment == "update")
                {
                    var comments = await client.Issue.Comment.GetAllForIssue(owner, name, number.Value).ConfigureAwait(false);
                    existing = comments.LastOrDefault(c => c.Body?.StartsWith(marker, StringComparison.Ordinal) == true);
                }

                if (existing is null)
                {
                    await client.Issue.Comment.Create(owner, name, number.Value, body).ConfigureAwait(false);
                    log.WriteLine(settings.Redact($"EvalRunner: commented on pull request #{number} for suite '{report.Run.Suite}'."));
                }
                else
                {
                    await client.Issue.Comment.Update(owner, name, existing.Id, body).ConfigureAwait(false);
                    log.WriteLine(settings.Redact($"EvalRunner: updated the comment on pull request #{number} for suite '{report.Run.Suite}'."));
                }
            }
            catch (ApiException ex)
            {
                var why = ex.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.NotFound
                    ? "the token cannot write pull-request comments (pull requests from forks get a read-only token; the workflow needs `permissions: pull-requests: write`)"
                    : $"GitHub answered {(int)ex.StatusCode}";
                log.WriteLine($"::warning::EvalRunner did not comment on pull request #{number} for suite '{Data(report.Run.Suite)}': {Data(why + ": " + ex.Message)}. The step summary has the results; the verdict is unchanged.");
            }
        }
    }

    private long? PullRequestNumber()
    {
        if (settings.Get("GITHUB_EVENT_PATH") is not { } path || !File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.TryGetProperty("pull_request", out var pr) && pr.TryGetProperty("number", out var number) && number.TryGetInt64(out var value)
            ? value
            : null;
    }

    // Workflow command escaping: https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
    // Redacted where the text goes in, before it is escaped, so that every annotation is redacted in one place.
    private string Data(string text) => settings.Redact(text).Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    private string Property(string text) => Data(text).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
