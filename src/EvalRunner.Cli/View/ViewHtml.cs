using System.Globalization;
using System.Net;
using System.Text;

namespace EvalRunner.Cli.View;

/// <summary>
/// How the view's pages write text: every text is model, dataset or run text, HTML-encoded with its bidirectional
/// controls shown as markers; links carry the token and only this server's paths.
/// </summary>
internal static class ViewHtml
{
    /// <summary>Text as HTML (element content or a quoted attribute).</summary>
    public static string H(string? text) => text is null ? string.Empty : WebUtility.HtmlEncode(BidiText.Neutralise(text));

    /// <summary>A path of this server with its query, the token first; null values are left out.</summary>
    public static string Url(string token, string path, params (string Name, string? Value)[] query)
    {
        var url = new StringBuilder(path).Append("?token=").Append(Uri.EscapeDataString(token));
        foreach (var (name, value) in query)
        {
            if (value is not null)
            {
                url.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        return url.ToString();
    }

    /// <summary>A link to one of this server's pages: an encoded href and text.</summary>
    public static string Link(string url, string text) => $"<a href=\"{WebUtility.HtmlEncode(url)}\">{H(text)}</a>";

    /// <summary>The token as a hidden form field.</summary>
    public static string TokenField(string token) => $"<input type=\"hidden\" name=\"token\" value=\"{WebUtility.HtmlEncode(token)}\">";

    /// <summary>A count and its noun: <c>1 run</c>, <c>2 runs</c>.</summary>
    public static string Count(int count, string noun) => string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    /// <summary>A whole page: no resource from elsewhere, scripts only with this response's nonce.</summary>
    public static string Page(string title, string body, string? script = null, string? nonce = null) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>{{H(title)}}</title>
        <style>
        body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5rem 2rem; color: #1f2328; }
        nav { margin-bottom: 1rem; } nav a { margin-right: 1rem; }
        table { border-collapse: collapse; margin: .5rem 0 1rem; }
        th, td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; text-align: left; }
        th { background: #f6f8fa; }
        td.text, .text { white-space: pre-wrap; word-break: break-word; max-width: 32rem; } #rows td.text { min-width: 14rem; }
        .pass { color: #1a7f37; } .fail { color: #cf222e; font-weight: 600; } .error { color: #9a6700; font-weight: 600; } .needs-live-run { color: #57606a; font-style: italic; }
        .problem { color: #9a6700; } .note { color: #57606a; }
        .chart { display: inline-block; margin: 0 1.5rem 1rem 0; vertical-align: top; } .chart h4 { margin: .25rem 0; font-weight: 600; }
        .field { margin: .5rem 0; padding: .25rem .5rem; border-left: 3px solid transparent; } .field.current { border-left-color: #0969da; background: #f6f8fa; }
        .disagree { background: #fff8c5; } kbd { border: 1px solid #d0d7de; border-radius: 3px; padding: 0 4px; font-size: 12px; }
        .review-row { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; } .review-row section { min-width: 0; }
        </style>
        </head>
        <body>
        {{body}}
        {{(script is null ? string.Empty : $"<script nonce=\"{nonce}\">{script}</script>")}}
        </body>
        </html>
        """;

    /// <summary>
    /// A small line chart of one measure over runs, oldest first, as inline SVG: a dot per run with its value and
    /// time as a tooltip; a run without a value leaves a gap.
    /// </summary>
    public static string Chart(string title, IReadOnlyList<(DateTimeOffset At, double? Value)> points, Func<double, string> format)
    {
        const int Width = 260, Height = 90, Pad = 8;
        var values = points.Where(p => p.Value is not null).Select(p => p.Value!.Value).ToList();
        var chart = new StringBuilder();
        chart.Append(CultureInfo.InvariantCulture, $"<div class=\"chart\"><h4>{H(title)}</h4>");
        if (values.Count == 0)
        {
            return chart.Append("<p class=\"note\">no value in any run</p></div>").ToString();
        }

        var (min, max) = (values.Min(), values.Max());
        chart.Append(CultureInfo.InvariantCulture, $"<svg width=\"{Width}\" height=\"{Height + 16}\" role=\"img\" aria-label=\"{H(title)} over {Count(points.Count, "run")}\">");
        double X(int i) => points.Count == 1 ? Width / 2.0 : Pad + (i * (Width - (2.0 * Pad)) / (points.Count - 1));
        double Y(double v) => max == min ? Height / 2.0 : Pad + ((max - v) * (Height - (2.0 * Pad)) / (max - min));
        var segment = new List<string>();
        void Flush()
        {
            if (segment.Count > 1)
            {
                chart.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\"{string.Join(' ', segment)}\"/>");
            }

            segment.Clear();
        }

        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].Value is { } v)
            {
                segment.Add(string.Create(CultureInfo.InvariantCulture, $"{X(i):0.#},{Y(v):0.#}"));
            }
            else
            {
                Flush();
            }
        }

        Flush();
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].Value is { } v)
            {
                chart.Append(CultureInfo.InvariantCulture,
                    $"<circle cx=\"{X(i):0.#}\" cy=\"{Y(v):0.#}\" r=\"3\" fill=\"#0969da\"><title>{H($"{points[i].At.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {format(v)}")}</title></circle>");
            }
        }

        chart.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{Height + 12}\" font-size=\"11\" fill=\"#57606a\">{H($"{format(min)} – {format(max)}, {Count(points.Count, "run")}")}</text>");
        return chart.Append("</svg></div>").ToString();
    }
}
