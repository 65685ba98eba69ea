using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Suites;

namespace EvalRunner.Reviews;

/// <summary>
/// The scores file of one <c>external</c> evaluator, written one review at a time: one line per datapoint × model config
/// × reviewer, sorted, replaced whole by a rename under an in-process lock and an OS lock on a sibling <c>.lock</c> file,
/// so that two processes or browser tabs never lose a write. The file is re-read under the lock each time, so a line
/// added by hand in between is kept.
/// </summary>
internal sealed class ReviewScoresFile
{
    private const string IdColumn = "id";
    private const string ModelConfigColumn = "model_config";
    private const string ReviewerColumn = "reviewer";

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);

    private static readonly TimeSpan LockRetry = TimeSpan.FromMilliseconds(25);

    private readonly string name;

    private ReviewScoresFile(string name, string path, IReadOnlyList<Column> columns)
    {
        this.name = name;
        Path = path;
        Columns = columns;
    }

    /// <summary>The scores file, as resolved when the suite loaded.</summary>
    public string Path { get; }

    /// <summary>The columns a reviewer scores (the declared columns but <c>reviewer</c>).</summary>
    public IReadOnlyList<Column> Columns { get; }

    /// <summary>The scores file of the suite's <c>external</c> evaluator <paramref name="evaluatorName"/>; no other path is taken.</summary>
    /// <exception cref="ReviewException">The suite has no external evaluator of that name.</exception>
    public static ReviewScoresFile For(Suite suite, string evaluatorName)
    {
        var externals = suite.Evaluators.OfType<ExternalSpec>().ToList();
        var spec = externals.FirstOrDefault(e => e.Name == evaluatorName)
            ?? throw new ReviewException($"the suite has no external evaluator '{evaluatorName}' (external evaluators: {(externals.Count == 0 ? "none" : string.Join(", ", externals.Select(e => e.Name)))})");
        return new ReviewScoresFile(spec.Name, spec.FullPath, [.. spec.Scored.Where(c => c.Name != ReviewerColumn)]);
    }

    /// <summary>Records <paramref name="score"/>, replacing the same reviewer's earlier score of the same datapoint and model config.</summary>
    /// <exception cref="ReviewException">A value its column does not allow, or an unknown column; the file is left as it was.</exception>
    public async Task WriteAsync(ReviewScore score, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(score);
        var values = Validate(score);
        var gate = Locks.GetOrAdd(Path, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var fileLock = await LockAsync(cancellationToken).ConfigureAwait(false);
            var (header, rows) = ReadRows();
            foreach (var column in new[] { IdColumn, ModelConfigColumn, ReviewerColumn }.Concat(Columns.Select(c => c.Name)))
            {
                if (!header.Contains(column))
                {
                    header.Add(column);
                }
            }

            var key = (score.DatapointId, score.ModelConfig ?? string.Empty, score.Reviewer);
            rows.RemoveAll(row => KeyOf(row) == key);
            var line = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [IdColumn] = score.DatapointId,
                [ModelConfigColumn] = score.ModelConfig,
                [ReviewerColumn] = score.Reviewer,
            };
            foreach (var (column, value) in values)
            {
                line[column] = value;
            }

            rows.Add(line);
            var sorted = rows.OrderBy(row => KeyOf(row).Item1, StringComparer.Ordinal)
                .ThenBy(row => KeyOf(row).Item2, StringComparer.Ordinal)
                .ThenBy(row => KeyOf(row).Item3, StringComparer.Ordinal)
                .ToList();
            Replace(IsCsv ? Csv(header, sorted) : Jsonl(header, sorted));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Every reviewer's scores in the file, as text, in the file's order.</summary>
    public Task<IReadOnlyList<ReviewScore>> ReadAsync(CancellationToken cancellationToken)
    {
        var (_, rows) = ReadRows();
        IReadOnlyList<ReviewScore> scores = [.. rows.Select(row => new ReviewScore
        {
            DatapointId = Text(row.GetValueOrDefault(IdColumn)) ?? string.Empty,
            ModelConfig = Text(row.GetValueOrDefault(ModelConfigColumn)) is { Length: > 0 } config ? config : null,
            Reviewer = Text(row.GetValueOrDefault(ReviewerColumn)) ?? string.Empty,
            Values = Columns.ToDictionary(c => c.Name, c => Text(row.GetValueOrDefault(c.Name))),
        })];
        return Task.FromResult(scores);
    }

    private bool IsCsv => System.IO.Path.GetExtension(Path).Equals(".csv", StringComparison.OrdinalIgnoreCase);

    private Dictionary<string, object?> Validate(ReviewScore score)
    {
        if (string.IsNullOrWhiteSpace(score.DatapointId))
        {
            throw new ReviewException($"{name}.id: a score needs the datapoint's id");
        }

        if (string.IsNullOrWhiteSpace(score.Reviewer))
        {
            throw new ReviewException($"{name}.reviewer: a score needs the reviewer's name");
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (columnName, text) in score.Values)
        {
            var column = Columns.FirstOrDefault(c => c.Name == columnName)
                ?? throw new ReviewException($"{name}.{columnName}: the evaluator has no column '{columnName}' (columns: {string.Join(", ", Columns.Select(c => c.Name))})");
            values[columnName] = string.IsNullOrEmpty(text) ? null : Parse(column, text);
        }

        return values;
    }

    private object Parse(Column column, string text)
    {
        var at = $"{name}.{column.Name}";
        var value = ScoreText.Value(column, text) switch
        {
            null or double and (double.NaN or double.PositiveInfinity or double.NegativeInfinity) => throw new ReviewException(column.Type switch
            {
                ColumnType.Bool => $"{at}: '{text}' is not a valid bool (true or false)",
                ColumnType.Choice => $"{at}: '{text}' is not one of {string.Join(", ", column.Choices)}",
                _ => $"{at}: '{text}' is not a valid {column.Type.ToString().ToLowerInvariant()}",
            }),
            var typed => typed,
        };
        if (value is long or double && ScoreText.OutsideRange(column, Convert.ToDouble(value, CultureInfo.InvariantCulture), text) is { } outside)
        {
            throw new ReviewException($"{at}: {outside}");
        }

        return value;
    }

    /// <summary>Takes the OS lock on the sibling <c>.lock</c> file, waiting while another process holds it.</summary>
    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(LockRetry, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static (string, string, string) KeyOf(Dictionary<string, object?> row) =>
        (Text(row.GetValueOrDefault(IdColumn)) ?? string.Empty, Text(row.GetValueOrDefault(ModelConfigColumn)) ?? string.Empty, Text(row.GetValueOrDefault(ReviewerColumn)) ?? string.Empty);

    private static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        JsonNode node when node.GetValueKind() == JsonValueKind.String => node.GetValue<string>(),
        JsonNode node when node.GetValueKind() == JsonValueKind.Null => null,
        JsonNode node => node.ToJsonString(),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>The file's header (CSV) or field names in first-seen order (JSONL), and its rows with every field kept.</summary>
    private (List<string> Header, List<Dictionary<string, object?>> Rows) ReadRows()
    {
        var header = new List<string>();
        var rows = new List<Dictionary<string, object?>>();
        if (!File.Exists(Path))
        {
            return (header, rows);
        }

        if (IsCsv)
        {
            using var reader = new StreamReader(Path, Encoding.UTF8);
            using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, BadDataFound = null });
            if (!csv.Read())
            {
                return (header, rows);
            }

            csv.ReadHeader();
            header.AddRange(csv.HeaderRecord ?? []);
            while (csv.Read())
            {
                var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < header.Count; i++)
                {
                    row[header[i]] = csv.GetField(i) is { Length: > 0 } cell ? cell : null;
                }

                rows.Add(row);
            }

            return (header, rows);
        }

        var lineNumber = 0;
        foreach (var text in File.ReadLines(Path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            JsonObject line;
            try
            {
                line = JsonNode.Parse(text) as JsonObject ?? throw new ReviewException($"{Path}:{lineNumber}: a score line must be a JSON object");
            }
            catch (JsonException ex)
            {
                throw new ReviewException($"{Path}:{lineNumber}: not valid JSON ({ex.Message}); fix the line before scoring more", ex);
            }

            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (field, value) in line)
            {
                if (!header.Contains(field))
                {
                    header.Add(field);
                }

                row[field] = value?.DeepClone();
            }

            rows.Add(row);
        }

        return (header, rows);
    }

    private static string Csv(List<string> header, List<Dictionary<string, object?>> rows)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" }))
        {
            foreach (var column in header)
            {
                csv.WriteField(column);
            }

            csv.NextRecord();
            foreach (var row in rows)
            {
                foreach (var column in header)
                {
                    csv.WriteField(Text(row.GetValueOrDefault(column)) ?? string.Empty);
                }

                csv.NextRecord();
            }
        }

        return writer.ToString();
    }

    private static string Jsonl(List<string> header, List<Dictionary<string, object?>> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            var line = new JsonObject();
            foreach (var field in header)
            {
                if (row.GetValueOrDefault(field) is { } value)
                {
                    line[field] = value switch
                    {
                        JsonNode node => node.DeepClone(),
                        bool b => JsonValue.Create(b),
                        long l => JsonValue.Create(l),
                        double d => JsonValue.Create(d),
                        _ => JsonValue.Create(Text(value)),
                    };
                }
            }

            text.Append(line.ToJsonString()).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Writes a temporary file beside the scores file and renames it over the original, so a reader never sees half a file.</summary>
    private void Replace(string content)
    {
        var folder = System.IO.Path.GetDirectoryName(Path)!;
        var temporary = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, content, new UTF8Encoding(false));
            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
