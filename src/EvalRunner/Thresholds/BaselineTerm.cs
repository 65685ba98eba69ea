using System.Globalization;
using System.Text.RegularExpressions;

namespace EvalRunner.Thresholds;

/// <summary>
/// The right side of a regression rule: <c>baseline</c>, <c>baseline - 0.2</c>, <c>baseline + 5%</c>, optionally
/// followed by <c>significant</c> (decided by a paired test over the datapoints both runs share).
/// </summary>
internal sealed partial record BaselineTerm
{
    /// <summary>What is added to the baseline's value: negative for <c>baseline - 0.2</c>.</summary>
    public double Offset { get; init; }

    /// <summary>Whether the rule is broken only when a paired test says the difference is significant.</summary>
    public bool Significant { get; init; }

    /// <summary>The term, or null when <paramref name="literal"/> does not start with <c>baseline</c>.</summary>
    /// <exception cref="FormatException">It starts with <c>baseline</c> but is not a term.</exception>
    public static BaselineTerm? TryParse(string text, string literal)
    {
        if (!literal.StartsWith("baseline", StringComparison.Ordinal))
        {
            return null;
        }

        var match = Term().Match(literal);
        if (!match.Success)
        {
            throw new FormatException($"'{text}': a regression rule compares with 'baseline', 'baseline - NUMBER' or 'baseline + NUMBER', optionally followed by 'significant' (rate(outcome.passed) >= baseline - 0.05 significant)");
        }

        var offset = 0.0;
        if (match.Groups["n"].Success)
        {
            var digits = match.Groups["n"].Value;
            var percent = digits.EndsWith('%');
            offset = double.Parse(percent ? digits[..^1] : digits, NumberStyles.Float, CultureInfo.InvariantCulture) / (percent ? 100 : 1);
            offset = match.Groups["sign"].Value == "-" ? -offset : offset;
        }

        return new BaselineTerm { Offset = offset, Significant = match.Groups["sig"].Success };
    }

    [GeneratedRegex(@"^baseline(?:\s*(?<sign>[+-])\s*(?<n>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?%?))?(?:\s+(?<sig>significant))?$")]
    private static partial Regex Term();
}
