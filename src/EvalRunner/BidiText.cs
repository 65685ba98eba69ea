using System.Buffers;
using System.Globalization;
using System.Text;

namespace EvalRunner;

/// <summary>
/// Bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) in text from models and
/// datasets could reorder what a reader sees (a "Trojan Source" answer that reads as a pass, a spoofed file name). Every
/// report shows each as a visible marker, <c>&lt;U+202E&gt;</c>, instead.
/// </summary>
internal static class BidiText
{
    private static readonly SearchValues<char> Controls = SearchValues.Create("\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C");

    /// <summary>Whether <paramref name="c"/> is a bidirectional control character.</summary>
    public static bool IsControl(char c) => Controls.Contains(c);

    /// <summary>The marker shown for a bidirectional control character: <c>&lt;U+202E&gt;</c>.</summary>
    public static string Marker(char c) => string.Create(CultureInfo.InvariantCulture, $"<U+{(int)c:X4}>");

    /// <summary>The text with each bidirectional control character replaced by its <see cref="Marker"/>.</summary>
    public static string Neutralise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny(Controls) < 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsControl(c))
            {
                result.Append(Marker(c));
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
