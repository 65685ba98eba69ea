using System.Globalization;
using System.Text.RegularExpressions;
using EvalRunner.Runs;

namespace EvalRunner.Reports;

/// <summary>How reports show a row's parts: its columns, values, outcome and the dataset place it came from.</summary>
internal static partial class ReportValues
{
    /// <summary>Every evaluator column of the row as <c>evaluator.column</c> and value, in order.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> Columns(Row row) =>
        row.Evaluations.SelectMany(e => e.Values.Select(v => KeyValuePair.Create($"{e.Evaluator}.{v.Key}", v.Value)));

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
