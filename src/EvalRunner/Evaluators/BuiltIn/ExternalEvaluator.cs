using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using EvalRunner.Runs;
using EvalRunner.Suites;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>Reads an <c>external</c> evaluator and its scores file: the scores are data, read when the suite loads.</summary>
internal sealed class ExternalKind : EvaluatorKind
{
    public override string Type => "external";

    public override string[] Options => ["file", "columns", "missing"];

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context)
    {
        var relative = spec.RequireString("file", "a JSONL or CSV file of scores with an 'id' per datapoint");
        var file = context.Paths.Resolve(spec, "file", relative);
        if (!File.Exists(file))
        {
            throw spec.Error("file", $"scores file '{relative}' not found (looked for {file})");
        }

        var missing = spec.String("missing") switch
        {
            null or "fail" => MissingValue.Fail,
            "skip" => MissingValue.Skip,
            var other => throw spec.Error("missing", $"must be 'fail' or 'skip', not '{other}'"),
        };
        var columns = (SpecReader.ReadColumns(spec, "columns", allowRange: false)
            ?? throw new SuiteException(spec.Here with { Field = spec.Join("columns") }, "'columns' is required: the score columns and their types (rating: integer)"))
            .Select(c => c with { WhenMissing = missing })
            .ToList();
        var scores = Path.GetExtension(file).ToLowerInvariant() switch
        {
            ".jsonl" => ReadScoresJsonl(file, relative, columns),
            ".csv" => ReadScoresCsv(file, relative, columns),
            var other => throw spec.Error("file", $"'{other}' is not a scores format; use .jsonl or .csv"),
        };
        return new ExternalSpec { Name = name, Columns = ExternalEvaluator.ColumnsFor(columns), Scored = columns, Scores = scores };
    }

    private static Dictionary<string, IReadOnlyDictionary<string, object?>> ReadScoresJsonl(string file, string shown, List<Column> columns)
    {
        var scores = new Dictionary<string, IReadOnlyDictionary<string, object?>>(StringComparer.Ordinal);
        var line = 0;
        foreach (var text in File.ReadLines(file))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var at = new SourceLocation(shown, line);
            JsonElement row;
            try
            {
                using var document = JsonDocument.Parse(text);
                row = document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new SuiteException(at, $"not valid JSON: {ex.Message.Split(" Path:")[0]}");
            }

            var id = row.ValueKind == JsonValueKind.Object && row.TryGetProperty("id", out var idValue) && idValue.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? (idValue.ValueKind == JsonValueKind.String ? idValue.GetString()! : idValue.GetRawText())
                : throw new SuiteException(at with { Field = "id" }, "every score needs the datapoint's 'id'");
            var values = new Dictionary<string, object?>();
            foreach (var column in columns)
            {
                values[column.Name] = row.TryGetProperty(column.Name, out var value) && value.ValueKind != JsonValueKind.Null
                    ? ScoreValue(column, value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(), at with { Field = column.Name })
                    : null;
            }

            AddScore(scores, id, values, at);
        }

        return scores;
    }

    private static Dictionary<string, IReadOnlyDictionary<string, object?>> ReadScoresCsv(string file, string shown, List<Column> columns)
    {
        var scores = new Dictionary<string, IReadOnlyDictionary<string, object?>>(StringComparer.Ordinal);
        using var reader = new StreamReader(file);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        if (!csv.Read())
        {
            return scores;
        }

        csv.ReadHeader();
        var header = csv.HeaderRecord ?? [];
        if (!header.Contains("id"))
        {
            throw new SuiteException(new SourceLocation(shown, 1, Field: "id"), "a scores CSV needs an 'id' column");
        }

        while (csv.Read())
        {
            var at = new SourceLocation(shown, csv.Parser.RawRow);
            var values = new Dictionary<string, object?>();
            foreach (var column in columns)
            {
                var text = header.Contains(column.Name) ? csv.GetField(column.Name) : null;
                values[column.Name] = string.IsNullOrEmpty(text) ? null : ScoreValue(column, text, at with { Field = column.Name });
            }

            AddScore(scores, csv.GetField("id") ?? string.Empty, values, at);
        }

        return scores;
    }

    private static void AddScore(Dictionary<string, IReadOnlyDictionary<string, object?>> scores, string id, Dictionary<string, object?> values, SourceLocation at)
    {
        if (!scores.TryAdd(id, values))
        {
            throw new SuiteException(at with { Field = "id" }, $"datapoint '{id}' has two scores; keep one");
        }
    }

    private static object ScoreValue(Column column, string text, SourceLocation at)
    {
        object? value = column.Type switch
        {
            ColumnType.Bool => text.ToLowerInvariant() switch { "true" or "1" or "yes" => true, "false" or "0" or "no" => false, _ => null },
            ColumnType.Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer) ? integer : null,
            ColumnType.Float => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number : null,
            ColumnType.Choice => column.Choices.Contains(text) ? text : null,
            _ => text,
        };
        return value ?? throw new SuiteException(at, $"'{text}' is not a valid {column.Type.ToString().ToLowerInvariant()}"
            + (column.Type == ColumnType.Choice ? $" (one of {string.Join(", ", column.Choices)})" : string.Empty));
    }
}

/// <summary>What a suite says about an <c>external</c> evaluator, with the scores it imports.</summary>
internal sealed record ExternalSpec : EvaluatorSpec
{
    /// <summary>The score columns as declared (<see cref="EvaluatorSpec.Columns"/> adds <c>found</c>).</summary>
    public required IReadOnlyList<Column> Scored { get; init; }

    /// <summary>The scores by datapoint id.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> Scores { get; init; }

    internal override IEvaluator Build(RunServices services) => new ExternalEvaluator(Name, Scored, Scores);
}

/// <summary>
/// <c>type: external</c> — scores produced elsewhere (human review, another system), imported by datapoint id from
/// a JSONL or CSV file when the suite loads. A datapoint without a score has no values: its columns are missing.
/// </summary>
internal sealed class ExternalEvaluator(string name, IReadOnlyList<Column> columns, IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> scores) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } = ColumnsFor(columns);

    /// <summary>The score columns and <c>found</c>.</summary>
    public static IReadOnlyList<Column> ColumnsFor(IReadOnlyList<Column> columns) => [.. columns, Column.Bool("found", "Whether the file has a score for this datapoint")];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, object?>();
        var found = scores.TryGetValue(context.Datapoint.Id, out var row);
        foreach (var column in columns)
        {
            values[column.Name] = found ? row!.GetValueOrDefault(column.Name) : null;
        }

        values["found"] = found;
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(values);
    }
}
