using System.Text.Json;
using EvalRunner.Generation;
using EvalRunner.Yaml;
using Json.Schema;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class JsonSchemaKind : EvaluatorKind
{
    public override string Type => "json-schema";

    public override string[] Options => ["schema", "schema_file"];

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => JsonSchemaEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new JsonSchemaSpec { Name = name, Columns = JsonSchemaEvaluator.Returned, Schema = ReadSchema(spec, context.Paths) };

    private static JsonSchema ReadSchema(YamlMap spec, SuitePaths paths)
    {
        string text;
        string key;
        if (spec.Node("schema") is { } node)
        {
            key = "schema";
            text = YamlJson.FromNode(node, spec.LocationOf(key))?.ToJsonString() ?? "{}";
        }
        else if (spec.String("schema_file") is { } file)
        {
            key = "schema_file";
            var full = paths.Resolve(spec, key, file);
            text = File.Exists(full) ? InputFile.ReadAllText(full, spec.LocationOf(key)) : throw spec.Error(key, $"schema file '{file}' not found (looked for {full})");
        }
        else
        {
            throw new SuiteException(spec.Here with { Field = spec.Join("schema") }, "'schema' (inline) or 'schema_file' is required");
        }

        try
        {
            return JsonSchema.FromText(text);
        }
        catch (Exception ex) when (ex is JsonException or JsonSchemaException or InvalidOperationException)
        {
            throw spec.Error(key, $"not a valid JSON Schema: {ex.Message}");
        }
    }
}

/// <summary>What a suite says about a <c>json-schema</c> evaluator.</summary>
internal sealed record JsonSchemaSpec : EvaluatorSpec
{
    public required JsonSchema Schema { get; init; }

    internal override IEvaluator Build(RunServices services) => new JsonSchemaEvaluator(Name, Schema);
}

/// <summary><c>type: json-schema</c> — the response is JSON that the schema (inline <c>schema</c> or <c>schema_file</c>) accepts.</summary>
internal sealed class JsonSchemaEvaluator(string name, JsonSchema schema) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Bool("passed", "The response is JSON that matches the schema"),
        Column.Integer("error_count", "How many schema errors were found (1 when the response is not JSON)"),
        Column.String("errors", "The errors, one per line: where, then what"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        if (!JsonText.TryParse(context.GeneratedResponse, out var document, out var error))
        {
            return Result(false, [$"not JSON: {error}"]);
        }

        using (document)
        {
            var results = schema.Evaluate(document!.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            var errors = results.IsValid
                ? []
                : (results.Details ?? [])
                    .Where(detail => detail.Errors is { Count: > 0 })
                    .SelectMany(detail => detail.Errors!.Select(e => $"{(detail.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
                    .Distinct()
                    .ToList();
            if (!results.IsValid && errors.Count == 0)
            {
                errors.Add("/: does not match the schema");
            }

            return Result(results.IsValid, errors);
        }
    }

    private static ValueTask<IReadOnlyDictionary<string, object?>> Result(bool passed, List<string> errors) =>
        ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["passed"] = passed,
            ["error_count"] = (long)errors.Count,
            ["errors"] = string.Join('\n', errors),
        });
}
