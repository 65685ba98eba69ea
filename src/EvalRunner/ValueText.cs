using System.Globalization;
using System.Text.RegularExpressions;

namespace EvalRunner;

/// <summary>The one way column values and durations are written for people and read from people.</summary>
internal static partial class ValueText
{
    /// <summary>
    /// A column value as text: <c>missing</c>, <c>true</c>/<c>false</c>, numbers to four decimals, and strings as they
    /// are or in quotes (where a string must be told apart from a number).
    /// </summary>
    public static string Format(object? value, bool quoteStrings = false) => value switch
    {
        null => "missing",
        string text => quoteStrings ? $"'{text}'" : text,
        bool flag => flag ? "true" : "false",
        double number => number.ToString("0.####", CultureInfo.InvariantCulture),
        float number => number.ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>A duration: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>12h</c>, <c>7d</c>, or a plain number of seconds; null when the text is none.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var match = DurationPattern().Match(text.Trim());
        if (!match.Success)
        {
            return null;
        }

        var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => TimeSpan.FromSeconds(amount),
        };
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$")]
    private static partial Regex DurationPattern();
}
