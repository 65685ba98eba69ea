using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using EvalRunner.Logs;

namespace EvalRunner.Results;

/// <summary>
/// The lines of a <c>results.jsonl</c>, read in one pass: each line's byte offset, datapoint id, model config, trial
/// and outcome, so that a page of rows is read by offset instead of loading the whole file. A damaged line is kept,
/// marked, with its number. The index is immutable: one instance serves concurrent callers.
/// </summary>
internal sealed partial class ResultsIndex
{
    private const int ChunkSize = 1 << 20;

    private readonly System.Collections.ObjectModel.ReadOnlyCollection<ResultsLine> damaged;

    private ResultsIndex(string path, List<ResultsLine> lines)
    {
        Path = path;
        Lines = lines.AsReadOnly();
        damaged = lines.Where(l => l.Damaged).ToList().AsReadOnly();
        Total = lines.Count - damaged.Count;
    }

    /// <summary>The full path of the <c>results.jsonl</c> indexed.</summary>
    public string Path { get; }

    /// <summary>The file's non-empty lines, in file order.</summary>
    public IReadOnlyList<ResultsLine> Lines { get; }

    /// <summary>The whole rows in the file.</summary>
    public int Total { get; }

    /// <summary>Reads the file at <paramref name="path"/> once.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ResultsIndex Build(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        return Build(full, new FileInfo(full).Length);
    }

    // The first `length` bytes only: the length the cache key names, even when the file grows while it is read.
    private static ResultsIndex Build(string path, long length)
    {
        var lines = new List<ResultsLine>();
        var models = new Dictionary<string, string>(StringComparer.Ordinal);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[ChunkSize];
        long position = 0;
        var filled = 0;
        var number = 0;
        var first = true;
        while (true)
        {
            var read = position + filled >= length ? 0 : RandomAccess.Read(handle, buffer.AsSpan(filled, (int)Math.Min(buffer.Length - filled, length - position - filled)), position + filled);
            filled += read;
            var start = 0;
            if (first && filled >= 3 && buffer.AsSpan(0, 3).SequenceEqual("\uFEFF"u8))
            {
                // A byte order mark is not part of the first line, as File.ReadLines reads it.
                start = 3;
            }

            first = false;
            while (true)
            {
                var end = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                if (end < 0)
                {
                    break;
                }

                Add(lines, models, ++number, position + start, buffer.AsSpan(start, end));
                start += end + 1;
            }

            if (read == 0)
            {
                if (start < filled)
                {
                    Add(lines, models, ++number, position + start, buffer.AsSpan(start, filled - start));
                }

                return new ResultsIndex(path, lines);
            }

            // The rest of the line goes to the front; a line longer than the buffer doubles it.
            buffer.AsSpan(start, filled - start).CopyTo(buffer);
            position += start;
            filled -= start;
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }
        }
    }

    private static void Add(List<ResultsLine> lines, Dictionary<string, string> models, int number, long offset, ReadOnlySpan<byte> line)
    {
        if (line.EndsWith("\r"u8))
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            return;
        }

        if (ReadRecord(line) is not { } record)
        {
            lines.Add(new ResultsLine(number, offset, line.Length, null, null, 0, null));
            return;
        }

        // A run has a few model configs: one string each.
        if (!models.TryGetValue(record.ModelConfig, out var model))
        {
            models[record.ModelConfig] = model = record.ModelConfig;
        }

        var outcome = RowFilter.OutcomeName(record.Outcome, Row.NeedsLiveRunFor(record.Outcome, record.Error?.Kind));
        lines.Add(new ResultsLine(number, offset, line.Length, record.DatapointId, model, record.Trial is > 1 ? record.Trial.Value : 1, outcome));
    }

    /// <summary>
    /// A line's record, read from its bytes as <see cref="ResultsStore.ReadRow"/> reads its text; null when it is not a
    /// whole row, or when a value a row cannot do without is null (<c>"model_config":null</c>).
    /// </summary>
    private static ResultsStore.RowRecord? ReadRecord(ReadOnlySpan<byte> line)
    {
        try
        {
            // Text that is not UTF-8 reads as the replacement character, as the line's text does.
            var record = Utf8.IsValid(line)
                ? JsonSerializer.Deserialize(line, ResultsJson.Default.RowRecord)
                : JsonSerializer.Deserialize(Encoding.UTF8.GetString(line), ResultsJson.Default.RowRecord);
            return record is { DatapointId: not null, ModelConfig: not null, Input: not null, Expected: not null, Tags: not null, Log: not null, Evaluations: not null, FailedRules: not null }
                && record.Evaluations.Values.All(values => values is not null) && record.FailedRules.All(rule => rule is not null)
                ? record
                : null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A line's row; null when it is not a whole row.</summary>
    private static Row? ReadRow(ReadOnlySpan<byte> line)
    {
        try
        {
            return ReadRecord(line)?.ToRow();
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The rows of <paramref name="lines"/>, read by offset from the file at <paramref name="path"/>; null for a damaged line.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<Row?> ReadRows(string path, IEnumerable<ResultsLine> lines)
    {
        using var reader = new LineReader(path);
        return [.. lines.Select(line => ReadRow(reader.Read(line)))];
    }
}
