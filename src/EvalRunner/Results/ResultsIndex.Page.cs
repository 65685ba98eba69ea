using System.Buffers;

namespace EvalRunner.Results;

internal sealed partial class ResultsIndex
{
    /// <summary>
    /// The rows that match <paramref name="filter"/>, in file order: how many match in all, and the matches from
    /// <paramref name="offset"/> on, at most <paramref name="count"/> of them, read by offset. An outcome or model
    /// config filter reads only the page's rows; a text filter reads the file's lines but parses only those whose
    /// bytes could hold the text.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read, or it changed since it was indexed.</exception>
    public ResultsPage ReadPage(RowFilter filter, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var selected = Lines.Where(line => !line.Damaged
            && (filter.Outcome is null || line.Outcome == filter.Outcome)
            && (filter.ModelConfig is null || line.ModelConfig == filter.ModelConfig));
        var rows = new List<ResultsPageRow>();
        var matched = 0;
        using var reader = new LineReader(Path);
        if (string.IsNullOrEmpty(filter.Text))
        {
            foreach (var line in selected)
            {
                if (matched++ >= offset && rows.Count < count && ReadRow(reader.Read(line)) is { } row)
                {
                    rows.Add(new ResultsPageRow(line, row));
                }
            }
        }
        else
        {
            var lines = selected.ToList();
            var matches = Match(lines, filter);
            for (var i = 0; i < lines.Count; i++)
            {
                if (matches[i] && matched++ >= offset && rows.Count < count && ReadRow(reader.Read(lines[i])) is { } row)
                {
                    rows.Add(new ResultsPageRow(lines[i], row));
                }
            }
        }

        return new ResultsPage { Total = Total, Matched = matched, Offset = offset, Rows = rows, Damaged = damaged };
    }

    /// <summary>
    /// Which of <paramref name="lines"/> match the filter's text. Ranges of lines are searched and parsed at once, each
    /// through a reader of its own: text found in most rows, or text the file escapes, parses most rows.
    /// </summary>
    private bool[] Match(List<ResultsLine> lines, RowFilter filter)
    {
        var matches = new bool[lines.Count];
        var search = TextSearch.For(filter.Text!);
        var size = Math.Max(1024, (lines.Count / (Environment.ProcessorCount * 4)) + 1);
        try
        {
            Parallel.For(0, (lines.Count + size - 1) / size, range =>
            {
                using var reader = new LineReader(Path);
                for (var i = range * size; i < Math.Min(lines.Count, (range + 1) * size); i++)
                {
                    matches[i] = !search.Excludes(lines[i], reader) && ReadRow(reader.Read(lines[i])) is { } row && filter.Matches(row);
                }
            });
        }
        catch (AggregateException ex)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
        }

        return matches;
    }

    /// <summary>
    /// Whether a line's bytes could hold a filter's text. Text the results file writes as is (no character of it, in
    /// either case, escaped by <see cref="ResultsJson.Encoder"/>) is in the bytes of every row that holds it, so a line
    /// without it is left out unparsed; a line that escapes what the writer does not (<c>\u00e9</c>, <c>\/</c>, from
    /// another writer) or whose truncated response the report describes is always parsed. Text with characters the
    /// writer escapes (a quote, a backslash, a line break) is looked for in every parsed row.
    /// </summary>
    private sealed class TextSearch
    {
        private static readonly TextSearch Everything = new(null, string.Empty);

        private readonly SearchValues<string>? values;
        private readonly string needle;

        private TextSearch(SearchValues<string>? values, string needle)
        {
            this.values = values;
            this.needle = needle;
        }

        public static TextSearch For(string needle)
        {
            var encoder = ResultsJson.Encoder;
            bool Plain(string text) => encoder.Encode(text) == text;
            return Plain(needle) && Plain(needle.ToUpperInvariant()) && Plain(needle.ToLowerInvariant())
                ? new TextSearch(SearchValues.Create([needle, "\\u", "\\/", "\"truncated_output\":true"], StringComparison.OrdinalIgnoreCase), needle)
                : Everything;
        }

        public bool Excludes(ResultsLine line, LineReader reader)
        {
            if (values is null
                || line.DatapointId!.Contains(needle, StringComparison.OrdinalIgnoreCase)
                || line.ModelConfig!.Contains(needle, StringComparison.OrdinalIgnoreCase)
                || line.Outcome!.Contains(needle, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            return !reader.ReadText(line).ContainsAny(values);
        }
    }
}
