using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Thresholds;

namespace EvalRunner.Reports;

/// <summary>
/// Metrics over time for the HTML report of a watch: rows bucketed by their log's timestamp (else the time the watcher
/// evaluated them), with the pass rate and the mean of each column an aggregate rule reads, per bucket, as a table and
/// a small inline SVG of the pass rate. Rows without a time (a run's) give no section.
/// </summary>
internal static partial class OverTimeSection
{
    private static readonly TimeSpan[] BucketSizes =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(3), TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromDays(1),
    ];

    /// <summary>The most buckets a section shows before a larger bucket size is chosen.</summary>
    public const int MaxBuckets = 24;

    /// <summary>The column an aggregate rule reads: group 1 of <c>mean(contains.passed) &gt;= 0.9</c>.</summary>
    [GeneratedRegex(@"^\s*[A-Za-z][A-Za-z0-9]*\(\s*([A-Za-z0-9_.-]+)\s*\)")]
    internal static partial Regex AggregateColumn();

    /// <summary>The section's HTML for one suite's rows, or empty when fewer than two rows have a time.</summary>
    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var columns = report.Run.Aggregates
            .Select(a => AggregateColumn().Match(a.Rule))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var timed = new List<(DateTimeOffset At, Outcome? Outcome, double?[] Values)>();
        foreach (var row in report.Rows)
        {
            if ((row.Log.Timestamp ?? row.EvaluatedAt) is not { } at || row.NeedsLiveRun)
            {
                continue;
            }

            var values = columns.Select(c => row.Outcome == Outcome.Error ? null : ColumnValues.ToDouble(row.Value(c))).ToArray();
            timed.Add((at.ToUniversalTime(), row.Outcome, values));
        }

        if (timed.Count < 2)
        {
            return string.Empty;
        }

        var first = timed.Min(t => t.At);
        var span = timed.Max(t => t.At) - first;
        var size = BucketSizes.FirstOrDefault(s => span / s < MaxBuckets, TimeSpan.FromDays(Math.Ceiling(span / TimeSpan.FromDays(1) / MaxBuckets) + 1));
        var origin = new DateTimeOffset(first.UtcTicks - (first.UtcTicks % size.Ticks), TimeSpan.Zero);
        var buckets = timed
            .GroupBy(t => (t.At - origin).Ticks / size.Ticks)
            .OrderBy(g => g.Key)
            .Select(g => new Bucket(
                origin + (size * g.Key),
                g.Count(),
                g.Count(t => t.Outcome == Outcome.Pass) / (double)g.Count(),
                [.. columns.Select((_, i) => g.Select(t => t.Values[i]).OfType<double>().DefaultIfEmpty(double.NaN).Average())]))
            .ToList();

        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"over-time\" data-suite=\"{Encode(report.Run.Suite)}\">");
        html.Append(CultureInfo.InvariantCulture, $"<h3>{Encode(report.Run.Suite)}: {buckets.Count} buckets of {Duration(size)} (by log timestamp, else evaluation time, UTC)</h3>");
        html.Append(Chart(buckets, size, origin));
        html.Append("<table class=\"over-time-table\"><thead><tr><th>from (UTC)</th><th>rows</th><th>pass rate</th>");
        foreach (var column in columns)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>mean({Encode(column)})</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var bucket in buckets)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{bucket.From:yyyy-MM-dd HH:mm}</td><td>{bucket.Rows}</td><td>{bucket.PassRate:0.0%}</td>");
            foreach (var mean in bucket.Means)
            {
                html.Append(CultureInfo.InvariantCulture, $"<td>{(double.IsNaN(mean) ? "–" : mean.ToString("0.###", CultureInfo.InvariantCulture))}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table></div>");
        return html.ToString();
    }

    private static string Chart(List<Bucket> buckets, TimeSpan size, DateTimeOffset origin)
    {
        const int Width = 480, Height = 100, Pad = 6;
        var last = (buckets[^1].From - origin) / size;
        double X(Bucket b) => Pad + (last == 0 ? 0 : (b.From - origin) / size / last * (Width - (2 * Pad)));
        double Y(double rate) => Pad + ((1 - rate) * (Height - (2 * Pad)));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"over-time-chart\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"pass rate over time\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"#f6f8fa\"/>");
        var points = string.Join(' ', buckets.Select(b => string.Create(CultureInfo.InvariantCulture, $"{X(b):0.#},{Y(b.PassRate):0.#}")));
        svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2\"/>");
        foreach (var b in buckets)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(b):0.#}\" cy=\"{Y(b.PassRate):0.#}\" r=\"3\" fill=\"#1a7f37\"><title>{b.From:yyyy-MM-dd HH:mm}: {b.PassRate:0.0%} of {b.Rows} rows passed</title></circle>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static string Duration(TimeSpan size) =>
        size.TotalDays >= 1 ? $"{size.TotalDays:0} d" : size.TotalHours >= 1 ? $"{size.TotalHours:0} h" : $"{size.TotalMinutes:0} min";

    private static string Encode(string text) => WebUtility.HtmlEncode(BidiText.Neutralise(text));

    private sealed record Bucket(DateTimeOffset From, int Rows, double PassRate, double[] Means);
}
