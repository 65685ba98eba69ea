using System.Globalization;
using System.Text.RegularExpressions;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Reports;

/// <summary>How reports show a row's parts: its columns, values, outcome and the dataset place it came from.</summary>
internal static partial class ReportValues
{
    /// <summary>Every evaluator column of the row as <c>evaluator.column</c> and value, in order.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> Columns(Row row) => ShownColumns.Of(row);

    /// <summary>A log status as written in results (<c>truncated</c>, <c>refused</c>, <c>filtered</c>).</summary>
    public static string Status(Logs.LogStatus status) => ShownColumns.Status(status);

    /// <summary>
    /// One sentence on how the provider behaved when it was not plainly: retries by cause, a lower concurrency than
    /// configured, rows not run; null when there is nothing to say.
    /// </summary>
    public static string? Provider(RunResult run)
    {
        var parts = new List<string>();
        if (run.Retries is { Total: > 0 } retries)
        {
            var causes = new[] { ("rate limit", retries.RateLimit), ("server error", retries.ServerError), ("timeout", retries.Timeout), ("unusable answer", retries.Unusable) }
                .Where(c => c.Item2 > 0).Select(c => $"{c.Item2} after {c.Item1}");
            parts.Add($"{retries.Total} retries ({string.Join(", ", causes)})");
        }

        if (run.Concurrency is { } concurrency && concurrency.Lowest < concurrency.Configured)
        {
            parts.Add($"concurrency settled at {concurrency.Effective} of {concurrency.Configured} (lowest {concurrency.Lowest}) as the provider rate limited");
        }

        if (run.NotRun > 0)
        {
            parts.Add($"{run.NotRun} rows not run (the run stopped early)");
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    /// <summary>An aggregate's value with its 95% interval when it has one (<c>0.84 [0.79, 0.88]</c>), else the value or <c>n/a</c>.</summary>
    public static string WithInterval(AggregateResult aggregate) => ValueText.WithInterval(aggregate.Value, aggregate.Lower, aggregate.Upper);

    /// <summary>What the run's agents did, in one line (<c>12 rows with tools: 61 steps, 25 tool calls, 1 failed, 0 ended on max_steps</c>); null when no row had a trajectory.</summary>
    public static string? Agents(RunResult result) => result.Trajectories is { } t
        ? string.Create(CultureInfo.InvariantCulture, $"{t.Rows} rows with tools: {t.Steps} steps ({t.ModelCalls} model calls, {t.ToolCalls} tool calls, {t.ToolErrors} failed), {t.MaxSteps} ended on max_steps")
        : null;

    public static string Outcome(Row row) => row.Outcome.ToString().ToLowerInvariant();

    /// <summary>An error's kind as written in results (<c>cache_miss</c>), or <c>error</c> when there is none.</summary>
    public static string Kind(RunError? error) => error is null ? "error" : System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(error.Kind.ToString());

    public static string Show(object? value) => ValueText.Format(value);
    /// <summary>The dataset file and line of a row's location (<c>file:line[:column][: field]</c>), or (null, 0).</summary>
    public static (string? File, int Line) Place(Row row)
    {
        var match = row.Location is null ? null : PlacePattern().Match(row.Location);
        return match is { Success: true } ? (match.Groups["file"].Value, int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture)) : (null, 0);
    }

    // The file may itself hold ':' (C:\...), so the line is the first ":digits" followed by a column, a field or the end.
    [GeneratedRegex(@"^(?<file>.+?):(?<line>\d+)(?::\d+)?(?::\s.*)?$")]
    private static partial Regex PlacePattern();
}
