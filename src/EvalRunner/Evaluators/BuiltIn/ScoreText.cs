using System.Globalization;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>
/// The one reading of a score written as text (a scores file's cell, a review form's field) by its declared column: what
/// the external evaluator imports, the review writer records, and agreement and the review page compare.
/// </summary>
internal static class ScoreText
{
    /// <summary>
    /// The typed value: a bool (<c>true</c>/<c>false</c>, <c>1</c>/<c>0</c>, <c>yes</c>/<c>no</c>), a long, a double,
    /// one of a choice column's options, or the text; null when the text is not a value of the column's type.
    /// </summary>
    public static object? Value(Column column, string text) => column.Type switch
    {
        ColumnType.Bool => text.ToLowerInvariant() switch { "true" or "1" or "yes" => true, "false" or "0" or "no" => false, _ => null },
        ColumnType.Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer) ? integer : null,
        ColumnType.Float => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null,
        ColumnType.Choice => column.Choices.Contains(text) ? text : null,
        _ => text,
    };

    /// <summary>Why a number is not allowed by the column's <c>min</c>/<c>max</c> (<c>7 is outside 1..5</c>); null when it is.</summary>
    public static string? OutsideRange(Column column, double value, string text) =>
        value < column.Minimum || value > column.Maximum
            ? $"{text} is outside {column.Minimum?.ToString(CultureInfo.InvariantCulture) ?? "…"}..{column.Maximum?.ToString(CultureInfo.InvariantCulture) ?? "…"}"
            : null;
}
