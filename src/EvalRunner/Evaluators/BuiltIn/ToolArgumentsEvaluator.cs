using System.Text.Json;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Yaml;
using Json.Schema;
using Microsoft.Extensions.AI;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class ToolArgumentsKind : EvaluatorKind
{
    public override string Type => "tool-arguments";

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => ToolArgumentsEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new OptionlessSpec { Name = name, Columns = ToolArgumentsEvaluator.Returned, Create = evaluator => new ToolArgumentsEvaluator(evaluator) };
}

/// <summary>The first error of a JSON Schema evaluation, as <c>/path: message</c>.</summary>
internal static class SchemaErrors
{
    /// <summary>The first error with its instance location (<c>/</c> for the root); null when the result names none.</summary>
    public static string? First(EvaluationResults results) =>
        results.Details?.FirstOrDefault(d => d.HasErrors && d.Errors is { Count: > 0 }) is { } first
            ? $"{(first.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {first.Errors!.First().Value}"
            : null;
}

/// <summary>
/// <c>type: tool-arguments</c> — every tool call's arguments against the JSON Schema of the tool the model config
/// declared: a call of a tool that was not offered, arguments that are missing (not recorded) or cut, and arguments
/// the schema refuses each count as invalid, with the first reason said.
/// </summary>
internal sealed class ToolArgumentsEvaluator(string name) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Bool("passed", "Every tool call's arguments match the declared schema of its tool (true when no tool was called)"),
        Column.Integer("invalid", "Tool calls whose arguments do not match, whose tool was not offered, or whose arguments were not recorded"),
        Column.String("reason", "Why the first invalid call is invalid; empty when none is"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var schemas = new Dictionary<string, JsonSchema?>(StringComparer.Ordinal);
        foreach (var tool in context.Tools.OfType<AIFunctionDeclaration>())
        {
            schemas[tool.Name] = SchemaOf(tool.JsonSchema);
        }

        var invalid = 0;
        string? reason = null;
        foreach (var (call, index) in context.Log.ToolCalls.Select((c, i) => (c, i + 1)))
        {
            if (Problem(call, schemas) is not { } problem)
            {
                continue;
            }

            invalid++;
            reason ??= $"call {index}, `{call.Name}`: {problem}";
        }

        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["passed"] = invalid == 0,
            ["invalid"] = (long)invalid,
            ["reason"] = reason ?? string.Empty,
        });
    }

    private static string? Problem(TrajectoryStep call, Dictionary<string, JsonSchema?> schemas)
    {
        if (call.Name is not { } tool || !schemas.TryGetValue(tool, out var schema))
        {
            return schemas.Count == 0
                ? "no tool declarations to check against (the model config offers no tools, or the log came from elsewhere)"
                : $"no tool of that name was offered (offered: {string.Join(", ", schemas.Keys.Order(StringComparer.Ordinal))})";
        }

        if (call.Arguments is not { } arguments)
        {
            return "its arguments were not recorded (tool arguments in telemetry are opt-in)";
        }

        if (call.Cut || arguments.ValueKind != JsonValueKind.Object)
        {
            return call.Cut ? "its arguments were cut at run.max_output_bytes" : "its arguments are not a JSON object";
        }

        if (schema is null)
        {
            return null;
        }

        var results = schema.Evaluate(arguments, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return null;
        }

        return SchemaErrors.First(results) ?? "the arguments do not match the schema";
    }

    private static JsonSchema? SchemaOf(JsonElement schema)
    {
        try
        {
            return JsonSchema.FromText(schema.GetRawText());
        }
        catch (Exception ex) when (ex is JsonException or JsonSchemaException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}
