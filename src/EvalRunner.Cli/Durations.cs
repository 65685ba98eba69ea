using System.Globalization;

namespace EvalRunner.Cli;

/// <summary>Durations on the command line: 500ms, 30s, 10m, 12h, 7d.</summary>
internal static class Durations
{
    public static TimeSpan? Parse(string text)
    {
        var units = new (string Suffix, Func<double, TimeSpan> Make)[] { ("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours), ("d", TimeSpan.FromDays) };
        foreach (var (suffix, make) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
            {
                return make(amount);
            }
        }

        return null;
    }
}
