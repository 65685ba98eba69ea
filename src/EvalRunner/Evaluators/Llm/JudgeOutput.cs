using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Evaluators.BuiltIn;

namespace EvalRunner.Evaluators.Llm;

/// <summary>The typed output schema of an LLM judge: the JSON Schema sent to the model, and the check of its answer.</summary>
internal static class JudgeOutput
{
    /// <summary>A JSON Schema for an object with every column required and nothing else.</summary>
    public static JsonElement Schema(IReadOnlyList<Column> columns)
    {
        var properties = new JsonObject();
        foreach (var column in columns)
        {
            var property = new JsonObject
            {
                ["type"] = column.Type switch
                {
                    ColumnType.Bool => "boolean",
                    ColumnType.Integer => "integer",
                    ColumnType.Float => "number",
                    _ => "string",
                },
            };
            if (column.Description is { Length: > 0 } description)
            {
                property["description"] = description;
            }

            if (column.Type == ColumnType.Choice)
            {
                property["enum"] = new JsonArray([.. column.Choices.Select(c => (JsonNode?)c)]);
            }

            if (column.Minimum is { } minimum)
            {
                property["minimum"] = minimum;
            }

            if (column.Maximum is { } maximum)
            {
                property["maximum"] = maximum;
            }

            properties[column.Name] = property;
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray([.. columns.Select(c => (JsonNode?)c.Name)]),
            ["additionalProperties"] = false,
        };
        return JsonSerializer.SerializeToElement(schema);
    }

    /// <summary>The answer's values by column, or every reason it does not fit the schema.</summary>
    public static (Dictionary<string, object?> Values, List<string> Problems) Check(string answer, IReadOnlyList<Column> columns)
    {
        var values = new Dictionary<string, object?>();
        var problems = new List<string>();
        if (!JsonText.TryParse(answer, out var document, out var error))
        {
            problems.Add($"the answer is not JSON ({error})");
            return (values, problems);
        }

        using (document)
        {
            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"the answer must be a JSON object, not {JsonText.Kind(root.ValueKind)}");
                return (values, problems);
            }

            foreach (var column in columns)
            {
                if (!root.TryGetProperty(column.Name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    problems.Add($"missing '{column.Name}'");
                    continue;
                }

                var (parsed, problem) = Read(column, value);
                if (problem is not null)
                {
                    problems.Add(problem);
                }
                else
                {
                    values[column.Name] = parsed;
                }
            }
        }

        return (values, problems);
    }

    private static (object? Value, string? Problem) Read(Column column, JsonElement value)
    {
        var shown = value.GetRawText();
        switch (column.Type)
        {
            case ColumnType.Bool:
                return value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? (value.GetBoolean(), null)
                    : (null, $"'{column.Name}' must be true or false, not {shown}");
            case ColumnType.Integer:
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var whole) || whole != Math.Floor(whole))
                {
                    return (null, $"'{column.Name}' must be an integer, not {shown}");
                }

                return InRange(column, whole) ?? ((long)whole, null);
            case ColumnType.Float:
                if (value.ValueKind != JsonValueKind.Number)
                {
                    return (null, $"'{column.Name}' must be a number, not {shown}");
                }

                return InRange(column, value.GetDouble()) ?? (value.GetDouble(), null);
            case ColumnType.Choice:
                var choice = value.ValueKind == JsonValueKind.String ? value.GetString()! : shown;
                return column.Choices.Contains(choice)
                    ? (choice, null)
                    : (null, $"'{column.Name}' must be one of {string.Join(", ", column.Choices)}, not {shown}");
            default:
                return value.ValueKind == JsonValueKind.String
                    ? (value.GetString(), null)
                    : (null, $"'{column.Name}' must be a string, not {shown}");
        }
    }

    private static (object?, string?)? InRange(Column column, double number) =>
        (column.Minimum is { } min && number < min) || (column.Maximum is { } max && number > max)
            ? (null, $"'{column.Name}' must be between {Format(column.Minimum)} and {Format(column.Maximum)}, not {Format(number)}")
            : null;

    private static string Format(double? number) => number?.ToString("0.###", CultureInfo.InvariantCulture) ?? "any";
}
