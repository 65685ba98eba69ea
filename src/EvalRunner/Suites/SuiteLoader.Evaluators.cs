using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Evaluators.Llm;
using EvalRunner.Evaluators.Python;
using EvalRunner.Generation;
using EvalRunner.Templates;
using Microsoft.Extensions.AI;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Suites;

public static partial class SuiteLoader
{
    private static LlmJudgeEvaluator ReadJudge(YamlMap spec, string name, SuiteReadContext context)
    {
        var text = spec.RequireString("prompt", "the judge's prompt, with {input.content}, {generated_response}, {output.content}, {context.NAME}, {full_history}");
        PromptTemplate prompt;
        try
        {
            prompt = PromptTemplate.Parse(text, $"evaluator '{name}' prompt", allowResponse: true);
        }
        catch (FormatException ex)
        {
            throw spec.Error("prompt", ex.Message);
        }

        var output = SpecReader.ReadColumns(spec, "output_schema", allowRange: true)
            ?? throw new SuiteException(spec.Here with { Field = spec.Join("output_schema") }, "'output_schema' is required: the columns the judge returns (name, type, description)");
        if (output.FirstOrDefault(c => LlmJudgeEvaluator.MetaColumns.Contains(c.Name)) is { } reserved)
        {
            throw spec.Error("output_schema", $"'{reserved.Name}' is a column every judge adds itself ({string.Join(", ", LlmJudgeEvaluator.MetaColumns)}); choose another name");
        }

        var modelMap = spec.Map("model") ?? context.Suite.Map("judge")
            ?? throw new SuiteException(spec.Here with { Field = spec.Join("model") }, "no judge model: give this evaluator a 'model:' or the suite a top-level 'judge:' (provider, model, ...)");
        var judge = SpecReader.ReadJudgeModel(modelMap, context);
        return new LlmJudgeEvaluator(
            name,
            prompt,
            output,
            judge,
            context.Prices,
            spec.Int("retries", 0, 10) ?? 3,
            spec.Bool("structured_output") ?? true);
    }

    private static EmbeddingSimilarityEvaluator ReadEmbeddingSimilarity(YamlMap spec, string name, SuiteReadContext context)
    {
        var model = spec.Map("model")
            ?? throw new SuiteException(spec.Here with { Field = spec.Join("model") }, "'model' is required: the embedding model (provider, model, base_url, api_key)");
        return new EmbeddingSimilarityEvaluator(name, spec.String("value"), ReadEmbeddings(SpecReader.ReadJudgeModel(model, context)));
    }

    private static IEmbeddingGenerator<string, Embedding<float>> ReadEmbeddings(ModelConfig config) => ProviderKind.For(config).CreateEmbeddingGenerator(config, ClientSetup.Default);

    private static PythonEvaluator ReadPython(YamlMap spec, string name, string directory)
    {
        var python = spec.String("python") ?? "python3";
        var interpreter = SpecReader.ResolveExecutable(python, directory, spec.Settings)
            ?? throw new SuiteException(spec.Has("python") ? spec.LocationOf("python") : spec.Here with { Field = spec.Join("python") },
                $"Python interpreter '{python}' not found (not a file relative to the suite, nor on PATH); set 'python:' to your interpreter, for example .venv/bin/python");
        string file;
        Func<int, SourceLocation> locate;
        if (spec.String("file") is { } relative)
        {
            if (spec.Has("code"))
            {
                throw spec.Error("code", "give either 'file' or 'code', not both");
            }

            file = Path.GetFullPath(Path.Combine(directory, relative));
            if (!File.Exists(file))
            {
                throw spec.Error("file", $"Python file '{relative}' not found (looked for {file})");
            }

            var shown = relative;
            locate = line => new SourceLocation(shown, line);
        }
        else if (spec.String("code") is { } code)
        {
            // Inline code runs from a file of its own; errors point back into the suite.
            file = Path.Combine(Path.GetTempPath(), $"evalrunner-{name}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(code)))[..12]}.py");
            File.WriteAllText(file, code);
            var node = (YamlScalarNode)spec.Node("code")!;
            var first = (int)node.Start.Line + (node.Style is ScalarStyle.Literal or ScalarStyle.Folded ? 1 : 0);
            locate = line => new SourceLocation(spec.File, first + line - 1, Field: spec.Join("code"));
        }
        else
        {
            throw new SuiteException(spec.Here with { Field = spec.Join("file") }, "'file' or 'code' is required: Python that defines main(input, output, context, full_history, generated_response, **kwargs)");
        }

        JsonElement status;
        try
        {
            status = PythonWorker.CheckAsync(interpreter, file, directory, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is InvalidOperationException or JsonException or CliWrap.Exceptions.CliWrapException or System.ComponentModel.Win32Exception)
        {
            throw spec.Error(spec.Has("file") ? "file" : "code", $"could not load the evaluator with {python}: {ex.Message}");
        }

        if (!status.GetProperty("ready").GetBoolean())
        {
            var line = status.TryGetProperty("line", out var at) && at.ValueKind == JsonValueKind.Number ? at.GetInt32() : 1;
            throw new SuiteException(locate(line), $"python evaluator '{name}': {status.GetProperty("error").GetString()}");
        }

        var timeout = spec.Duration("timeout") ?? TimeSpan.FromSeconds(30);
        return new PythonEvaluator(name, SpecReader.ReadColumns(spec, "columns", allowRange: false) ?? [], new PythonWorker(interpreter, file, directory, timeout));
    }

    private static ExternalEvaluator ReadExternal(YamlMap spec, string name, string directory)
    {
        var relative = spec.RequireString("file", "a JSONL or CSV file of scores with an 'id' per datapoint");
        var file = Path.GetFullPath(Path.Combine(directory, relative));
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
        return new ExternalEvaluator(name, columns, scores);
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
