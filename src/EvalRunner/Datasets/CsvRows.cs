using System.Globalization;
using System.Runtime.CompilerServices;
using CsvHelper;
using CsvHelper.Configuration;

namespace EvalRunner.Datasets;

/// <summary>
/// Reads a CSV file record by record, for datasets and score files alike: strict UTF-8, a header of distinct names,
/// no record with more cells than the header, and each record located at its first line. A bad record is a
/// <see cref="DatasetException"/> naming file and line; with a <see cref="ProblemList"/> it is added there and reading
/// goes on with the next record.
/// </summary>
internal static class CsvRows
{
    /// <summary>
    /// The header (first, with <see cref="CsvRow.Cells"/> equal to it), then every record. A file with no header
    /// yields nothing.
    /// </summary>
    public static async IAsyncEnumerable<CsvRow> ReadAsync(
        string path, string shown, ProblemList? problems, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = JsonlReader.Open(path, shown);
        string? badData = null;
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            DetectDelimiter = false,
            TrimOptions = TrimOptions.None,
            BadDataFound = args => badData ??= args.Field,
        };
        using var csv = new CsvParser(reader, configuration);
        string[]? header = null;
        var endOfLast = 0L;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            badData = null;
            bool read;
            try
            {
                read = await csv.ReadAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (InputFile.IsReadFailure(ex) || ex is CsvHelperException)
            {
                var at = ex is CsvHelperException ? new SourceLocation(shown, endOfLast > 0 ? (int)endOfLast + 1 : 1) : InputFile.Locate(path, ex) with { File = shown };
                JsonlReader.Report(problems, new DatasetException(at, ex is CsvHelperException ? "not valid CSV here (an unclosed quote?)" : InputFile.Describe(ex), ex));
                yield break;
            }

            if (!read)
            {
                yield break;
            }

            // A quoted cell may hold line breaks: the record starts after the last one ended.
            var location = new SourceLocation(shown, FirstLine(csv, endOfLast));
            endOfLast = csv.RawRow;
            var cells = csv.Record ?? [];
            if (badData is not null)
            {
                JsonlReader.Report(problems, new DatasetException(location, $"not valid CSV: a quote inside the unquoted cell '{Shorten(badData)}'; quote the whole cell and double the quote (\"say \"\"hi\"\"\")"));
                if (header is null)
                {
                    yield break;
                }

                continue;
            }

            if (header is null)
            {
                header = cells;
                var duplicate = DuplicateColumn(header);
                if (duplicate >= 0)
                {
                    JsonlReader.Report(problems, new DatasetException(
                        location with { Column = duplicate + 1, Field = header[duplicate] },
                        $"the header names column '{header[duplicate]}' twice; give each column its own name"));
                    yield break;
                }

                yield return new CsvRow { Header = header, Cells = header, Location = location };
                continue;
            }

            if (cells.Length > header.Length)
            {
                JsonlReader.Report(problems, new DatasetException(
                    location,
                    $"this row has {cells.Length} cells but the header has {header.Length} columns; quote cells that hold a comma"));
                continue;
            }

            yield return new CsvRow { Header = header, Cells = cells, Location = location };
        }
    }

    private static int FirstLine(CsvParser csv, long endOfLast)
    {
        // Blank lines between records are skipped; the raw record holds only the record's own lines.
        var raw = csv.RawRecord.AsSpan().TrimEnd("\r\n");
        var lines = raw.Count('\n') + 1;
        return (int)Math.Max(endOfLast + 1, csv.RawRow - lines + 1);
    }

    private static int DuplicateColumn(string[] header)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            if (!seen.Add(header[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
