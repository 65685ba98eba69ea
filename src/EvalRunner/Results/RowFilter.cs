using System.Globalization;

namespace EvalRunner.Results;

/// <summary>Which rows of a run to show: by outcome, model config and text, as the HTML report's filter box matches them.</summary>
internal sealed record RowFilter
{
    public const string Pass = "pass";
    public const string Fail = "fail";
    public const string Error = "error";
    public const string NeedsLiveRun = "needs-live-run";

    /// <summary>Every row.</summary>
    public static readonly RowFilter All = new();

    /// <summary>
    /// Text found, ignoring case, in the row's datapoint id, model config, outcome, input, response, a failed rule, its
    /// error message or an evaluator column's value (numbers as the results file writes them, <c>true</c>/<c>false</c>);
    /// null or empty for any row.
    /// </summary>
    public string? Text { get; init; }

    /// <summary><c>pass</c>, <c>fail</c>, <c>error</c> or <c>needs-live-run</c>; null for any.</summary>
    public string? Outcome { get; init; }

    /// <summary>The model config's name, exactly; null for any.</summary>
    public string? ModelConfig { get; init; }

    /// <summary>Whether <paramref name="row"/> is one of the rows the filter picks.</summary>
    public bool Matches(Row row) =>
        (Outcome is null || OutcomeOf(row) == Outcome)
        && (ModelConfig is null || row.ModelConfig == ModelConfig)
        && (string.IsNullOrEmpty(Text) || Texts(row).Any(text => text.Contains(Text, StringComparison.OrdinalIgnoreCase)));

    /// <summary>A row's outcome as the HTML report names it.</summary>
    public static string OutcomeOf(Row row) => OutcomeName(row.Outcome, row.NeedsLiveRun);

    /// <summary>An outcome as the HTML report names it: a replay's row that needs a live run apart from the errors.</summary>
    public static string OutcomeName(Outcome outcome, bool needsLiveRun) => outcome switch
    {
        Results.Outcome.Pass => Pass,
        Results.Outcome.Fail => Fail,
        _ => needsLiveRun ? NeedsLiveRun : Error,
    };

    /// <summary>The texts of a row the filter looks in.</summary>
    internal static IEnumerable<string> Texts(Row row)
    {
        yield return row.DatapointId;
        yield return row.ModelConfig;
        yield return OutcomeOf(row);
        yield return row.Input;
        if (row.Log.Response is { } response)
        {
            yield return response;
        }

        foreach (var rule in row.FailedRules)
        {
            yield return rule;
        }

        if (row.Error?.Message is { } message)
        {
            yield return message;
        }

        foreach (var (_, value) in ShownColumns.Of(row))
        {
            if (ValueText(value) is { } text)
            {
                yield return text;
            }
        }
    }

    // A number as results.jsonl writes it (the shortest text that reads back the same), so that the file's bytes hold it.
    private static string? ValueText(object? value) => value switch
    {
        null => null,
        string text => text,
        bool flag => flag ? "true" : "false",
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        float number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
