using System.Text.Encodings.Web;
using System.Text.Json;
using EvalRunner.Logs;
using Json.Schema;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>Compares a tool call's arguments with expected ones, and says where they differ.</summary>
internal static class ToolArguments
{
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether the call made satisfies the expected arguments: null expected arguments accept any.</summary>
    public static bool Match(JsonElement? expected, TrajectoryStep call, ArgumentMatch mode) =>
        mode == ArgumentMatch.Ignore || expected is not { } wanted || Problem(wanted, call, mode) is null;

    /// <summary>Why the call's arguments do not satisfy the expected ones, as a sentence; null when they do.</summary>
    public static string? Problem(JsonElement expected, TrajectoryStep call, ArgumentMatch mode)
    {
        var name = $"`{call.Name}`";
        return call.Arguments switch
        {
            null => $"the arguments of {name} were not recorded (a trajectory from telemetry has them only when its source records tool arguments)",
            { ValueKind: JsonValueKind.String } when call.Cut && expected.ValueKind != JsonValueKind.String =>
                $"the arguments of {name} were cut at run.max_output_bytes and cannot be compared",
            { ValueKind: not JsonValueKind.Object } when expected.ValueKind == JsonValueKind.Object => $"the arguments of {name} are not a JSON object",
            { } actual when mode == ArgumentMatch.Schema => SchemaProblem(expected, actual, name),
            { } actual => Difference(expected, actual, string.Empty, mode == ArgumentMatch.Exact) is { } where ? $"{name} was called with other arguments: {where}" : null,
        };
    }

    /// <summary>Why the arguments do not satisfy the expected arguments read as a JSON Schema; null when they do.</summary>
    private static string? SchemaProblem(JsonElement expected, JsonElement actual, string name)
    {
        global::Json.Schema.JsonSchema schema;
        try
        {
            schema = global::Json.Schema.JsonSchema.FromText(expected.GetRawText());
        }
        catch (Exception ex) when (ex is JsonException or global::Json.Schema.JsonSchemaException or InvalidOperationException or ArgumentException)
        {
            return $"the expected arguments of {name} are not a valid JSON Schema: {ex.Message}";
        }

        var results = schema.Evaluate(actual, new global::Json.Schema.EvaluationOptions { OutputFormat = global::Json.Schema.OutputFormat.List });
        if (results.IsValid)
        {
            return null;
        }

        return SchemaErrors.First(results) is { } error
            ? $"{name} was called with arguments the expected schema refuses: {error}"
            : $"{name} was called with arguments the expected schema refuses";
    }

    /// <summary>Whether two calls' arguments are the same JSON (key order aside); two unrecorded ones are the same.</summary>
    public static bool Same(JsonElement? a, JsonElement? b) => (a, b) switch
    {
        (null, null) => true,
        ({ } x, { } y) => JsonElement.DeepEquals(x, y),
        _ => false,
    };

    /// <summary>The first difference, as <c>/path: expected X, got Y</c>; objects recursively, every other value exactly.</summary>
    private static string? Difference(JsonElement expected, JsonElement actual, string path, bool exact)
    {
        if (expected.ValueKind != JsonValueKind.Object || actual.ValueKind != JsonValueKind.Object)
        {
            return JsonElement.DeepEquals(expected, actual) ? null : $"{At(path)}: expected {Json(expected)}, got {Json(actual)}";
        }

        foreach (var property in expected.EnumerateObject())
        {
            var at = $"{path}/{Escape(property.Name)}";
            if (!actual.TryGetProperty(property.Name, out var value))
            {
                return $"{at}: expected {Json(property.Value)}, got nothing";
            }

            if (Difference(property.Value, value, at, exact) is { } difference)
            {
                return difference;
            }
        }

        if (exact)
        {
            foreach (var property in actual.EnumerateObject())
            {
                if (!expected.TryGetProperty(property.Name, out _))
                {
                    return $"{path}/{Escape(property.Name)}: not expected, got {Json(property.Value)}";
                }
            }
        }

        return null;
    }

    private static string At(string path) => path.Length == 0 ? "/" : path;

    // A JSON Pointer (RFC 6901) segment.
    private static string Escape(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Json(JsonElement value) => JsonSerializer.Serialize(value, Readable);
}
