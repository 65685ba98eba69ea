using EvalRunner.Logs;

namespace EvalRunner.Results;

/// <summary>The evaluator columns of a row as reports show them, and as the row filter looks in them.</summary>
internal static class ShownColumns
{
    /// <summary>Every evaluator column of the row as <c>evaluator.column</c> and value, in order.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> Of(Row row) =>
        LogValues(row).Concat(row.Evaluations.SelectMany(e => e.Values.Select(v => KeyValuePair.Create($"{e.Evaluator}.{v.Key}", v.Value))));

    /// <summary>A log status as written in results (<c>truncated</c>, <c>refused</c>, <c>filtered</c>).</summary>
    public static string Status(LogStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    /// <summary>How the generation ended and whether its output was cut, shown only when it is not a complete answer.</summary>
    private static IEnumerable<KeyValuePair<string, object?>> LogValues(Row row)
    {
        if (row.Log.Status is { } status)
        {
            yield return KeyValuePair.Create<string, object?>("log.status", Status(status));
        }

        if (row.Log.TruncatedOutput)
        {
            yield return KeyValuePair.Create<string, object?>("log.truncated_output", $"true (sha256 of the whole: {row.Log.OutputSha256})");
        }
    }
}
