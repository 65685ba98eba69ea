using System.Globalization;
using System.Text.RegularExpressions;

namespace EvalRunner.GitHub;

/// <summary>
/// The run a pull-request comment shows, kept in the comment's hidden last line: the pull request's head commit and
/// when the run started. Workflow runs of two pushes may finish in either order; a run that started earlier than the
/// one a comment shows does not overwrite it.
/// </summary>
internal sealed partial record CommentStamp
{
    /// <summary>The pull request's head commit (hex), if known.</summary>
    public string? Head { get; init; }

    /// <summary>When the run started (UTC), if known.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The hidden line: <c>&lt;!-- evalrunner:run head=SHA started=ISO-8601 --&gt;</c>.</summary>
    public string Format() => string.Create(
        CultureInfo.InvariantCulture,
        $"<!-- evalrunner:run head={Head ?? "unknown"} started={(StartedAt is { } started ? started.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) : "unknown")} -->");

    /// <summary>The stamp of the run a comment shows (its last stamp line); null for a comment without one.</summary>
    public static CommentStamp? Read(string? body)
    {
        if (body is null || Line().Matches(body) is not { Count: > 0 } matches)
        {
            return null;
        }

        var match = matches[^1];
        var head = match.Groups["head"].Value;
        return new CommentStamp
        {
            Head = head == "unknown" ? null : head,
            StartedAt = DateTimeOffset.TryParse(match.Groups["started"].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started) ? started : null,
        };
    }

    /// <summary>A head commit as the stamp keeps it: hex only, else unknown.</summary>
    public static string? HeadOf(string? sha) => sha is not null && Hex().IsMatch(sha) ? sha.ToLowerInvariant() : null;

    /// <summary>Whether this run started later than <paramref name="other"/>'s (false when either start is not known).</summary>
    public bool StartedAfter(CommentStamp other) => StartedAt is { } mine && other.StartedAt is { } theirs && mine > theirs;

    /// <summary>The run in words, for the line that says a comment was left as it is.</summary>
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"started {(StartedAt is { } started ? started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "at an unknown time")}, head {(Head is { } head ? head[..Math.Min(7, head.Length)] : "unknown")}");

    [GeneratedRegex(@"<!-- evalrunner:run head=(?<head>[0-9a-f]{1,64}|unknown) started=(?<started>[0-9TZ:.+-]{1,40}|unknown) -->")]
    private static partial Regex Line();

    [GeneratedRegex("^[0-9a-fA-F]{1,64}$")]
    private static partial Regex Hex();
}
