using System.Text;

namespace EvalRunner.Results;

/// <summary>
/// The lines of a <c>results.jsonl</c>, read in one pass: each line's byte offset, datapoint id and outcome, so that a
/// page of rows is read by offset instead of loading the whole file. A damaged line is kept, marked, with its number.
/// </summary>
internal sealed class ResultsIndex
{
    private ResultsIndex(IReadOnlyList<ResultsLine> lines) => Lines = lines;

    /// <summary>The file's non-empty lines, in file order.</summary>
    public IReadOnlyList<ResultsLine> Lines { get; }

    /// <summary>Reads the file at <paramref name="path"/> once.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ResultsIndex Build(string path)
    {
        var lines = new List<ResultsLine>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        var line = new MemoryStream();
        var buffer = new byte[1 << 16];
        long offset = 0;
        long start = 0;
        var number = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var from = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    line.Write(buffer, from, i - from);
                    number++;
                    Add(lines, number, start, line);
                    from = i + 1;
                    start = offset + i + 1;
                }
            }

            line.Write(buffer, from, read - from);
            offset += read;
        }

        if (line.Length > 0)
        {
            Add(lines, number + 1, start, line);
        }

        return new ResultsIndex(lines);
    }

    private static void Add(List<ResultsLine> lines, int number, long start, MemoryStream line)
    {
        var length = (int)line.Length;
        if (length > 0)
        {
            var row = ResultsStore.ReadRow(Encoding.UTF8.GetString(line.GetBuffer(), 0, length));
            lines.Add(new ResultsLine(number, start, length, row?.DatapointId, row?.Outcome));
        }

        line.SetLength(0);
    }

    /// <summary>The rows of <paramref name="lines"/>, read by offset from the file at <paramref name="path"/>; null for a damaged line.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<Row?> ReadRows(string path, IEnumerable<ResultsLine> lines)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var rows = new List<Row?>();
        foreach (var line in lines)
        {
            var bytes = new byte[line.Length];
            stream.Position = line.Offset;
            stream.ReadExactly(bytes);
            rows.Add(ResultsStore.ReadRow(Encoding.UTF8.GetString(bytes)));
        }

        return rows;
    }
}
