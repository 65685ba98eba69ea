using System.Text;

namespace EvalRunner;

/// <summary>
/// The one escaper for text from datasets and models going into Markdown (GitHub comments, step summaries): nothing
/// in it can start HTML, close a &lt;details&gt;, break a table, mention a user, or become a link or an image, and
/// bidirectional control characters are shown as <c>&lt;U+202E&gt;</c> (see <see cref="BidiText"/>).
/// </summary>
internal static class MarkdownText
{
    /// <summary>Text for a table cell or a line: newlines become &lt;br&gt;.</summary>
    public static string Cell(string? text) => Escape(text ?? string.Empty, keepLines: false);

    /// <summary>Text for a block inside &lt;details&gt;: lines are kept.</summary>
    public static string Block(string? text) => Escape(text ?? string.Empty, keepLines: true);

    /// <summary>
    /// Text inside an HTML block of the Markdown (a &lt;summary&gt; line): GitHub applies no Markdown there, so a
    /// backslash escape would show; only HTML escaping is used, with the same guards against mentions and links.
    /// </summary>
    public static string Html(string? text) => Escape(text ?? string.Empty, keepLines: false, markdown: false);

    /// <summary>Text cut to <paramref name="limit"/> characters, with a mark where it was cut; never between the two halves of a surrogate pair.</summary>
    public static string Cut(string text, int limit)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= limit)
        {
            return text;
        }

        // An emoji is two UTF-16 characters: half of one is not text (GitHub and UTF-8 show it as �).
        var at = limit > 0 && char.IsHighSurrogate(text[limit - 1]) ? limit - 1 : limit;
        return text[..at] + $" … ({text.Length - at} more characters)";
    }

    private static string Escape(string text, bool keepLines, bool markdown = true)
    {
        var result = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&':
                    result.Append("&amp;");
                    break;
                case '<':
                    result.Append("&lt;");
                    break;
                case '>':
                    result.Append("&gt;");
                    break;
                case '"':
                    result.Append("&quot;");
                    break;
                case '|':
                    result.Append("&#124;");
                    break;
                case '@':
                    // A zero-width space after @ keeps GitHub from mentioning anyone.
                    result.Append("@&#8203;");
                    break;
                case ':' when i + 2 < text.Length && text[i + 1] == '/' && text[i + 2] == '/':
                    // No autolinks: "http://x" stops being a URL.
                    result.Append(":&#8203;");
                    break;
                case '\r':
                    break;
                case '\n':
                    result.Append(keepLines ? "<br>\n" : "<br>");
                    break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '#' or '!' or '~' or '+' or '-' or '=' or '{' or '}' when markdown:
                    result.Append('\\').Append(c);
                    break;
                case var control when BidiText.IsControl(control):
                    // Shown, not obeyed: a bidirectional control could reorder what the reader sees.
                    result.Append("&lt;").Append(BidiText.Marker(control)[1..^1]).Append("&gt;");
                    break;
                default:
                    result.Append(c);
                    break;
            }
        }

        var escaped = result.ToString();
        return escaped.Replace("www.", "www&#8203;.", StringComparison.OrdinalIgnoreCase);
    }
}
