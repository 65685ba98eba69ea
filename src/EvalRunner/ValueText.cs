using System.Globalization;
using System.Text.RegularExpressions;

namespace EvalRunner;

/// <summary>The one way column values and durations are written for people and read from people.</summary>
internal static partial class ValueText
{
    /// <summary>A value with its 95% interval when it has one (<c>0.84 [0.79, 0.88]</c>), else the value or <c>n/a</c>.</summary>
    public static string WithInterval(double? value, double? lower, double? upper) => value is not { } shown
        ? "n/a"
        : lower is { } low && upper is { } high
            ? $"{Format(shown)} [{Format(low)}, {Format(high)}]"
            : Format(shown);

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

    /// <summary>A rate as a percentage with one decimal: <c>70.0%</c>.</summary>
    public static string Percent(double value) => value.ToString("0.0%", CultureInfo.InvariantCulture);

    /// <summary>
    /// An amount in US dollars: <c>$0</c>, <c>$1.25</c>, <c>$0.05</c>, and below a cent two significant digits
    /// (<c>$0.0012</c>, <c>$0.000034</c>), so a small cost never shows as <c>$0</c>.
    /// </summary>
    public static string Usd(double value)
    {
        if (value == 0 || double.IsNaN(value) || double.IsInfinity(value))
        {
            return "$" + value.ToString("0.####", CultureInfo.InvariantCulture);
        }

        var magnitude = Math.Abs(value);
        if (magnitude >= 0.01)
        {
            return "$" + value.ToString("0.####", CultureInfo.InvariantCulture);
        }

        // Two significant digits: 0.0012 has its first at the 3rd decimal, so 4 decimals.
        var decimals = Math.Min(15, 1 - (int)Math.Floor(Math.Log10(magnitude)));
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero);
        return "$" + rounded.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
    }

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
