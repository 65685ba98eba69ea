using System.Text.Json;
using EvalRunner.Evaluators;

namespace EvalRunner.Runs;

/// <summary>One row as one line of <c>results.jsonl</c>.</summary>
internal static class RowJson
{
    public static void Write(Utf8JsonWriter writer, Row row)
    {
        writer.WriteStartObject();
        writer.WriteString("datapoint_id", row.DatapointId);
        writer.WriteString("model_config", row.ModelConfig);
        writer.WriteString("outcome", row.Outcome.ToString().ToLowerInvariant());
        writer.WriteString("input", row.Input);
        writer.WriteString("expected", row.Expected);
        writer.WriteStartArray("tags");
        foreach (var tag in row.Tags)
        {
            writer.WriteStringValue(tag);
        }

        writer.WriteEndArray();
        if (row.Location is not null)
        {
            writer.WriteString("location", row.Location);
        }

        writer.WriteStartObject("log");
        writer.WriteString("model", row.Log.Model);
        writer.WriteString("generated_response", row.Log.Response);
        writer.WriteNumber("latency_ms", Math.Round(row.Log.LatencyMs, 3));
        WriteNullable(writer, "input_tokens", row.Log.InputTokens);
        WriteNullable(writer, "output_tokens", row.Log.OutputTokens);
        writer.WriteString("error", row.Log.Error);
        writer.WriteEndObject();

        writer.WriteStartObject("evaluations");
        foreach (var evaluation in row.Evaluations)
        {
            writer.WriteStartObject(evaluation.Evaluator);
            foreach (var (name, value) in evaluation.Values)
            {
                WriteValue(writer, name, value);
            }

            if (evaluation.Error is not null)
            {
                writer.WriteString("error", evaluation.Error);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteStartArray("failed_rules");
        foreach (var rule in row.FailedRules)
        {
            writer.WriteStringValue(rule);
        }

        writer.WriteEndArray();
        writer.WriteString("error", row.Error);
        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, string name, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNull(name);
                break;
            case bool flag:
                writer.WriteBoolean(name, flag);
                break;
            case long integer:
                writer.WriteNumber(name, integer);
                break;
            case int integer:
                writer.WriteNumber(name, integer);
                break;
            case double number when double.IsFinite(number):
                writer.WriteNumber(name, number);
                break;
            case double:
                writer.WriteNull(name);
                break;
            default:
                writer.WriteString(name, value.ToString());
                break;
        }
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>Checks an evaluator's values against its declared columns; returns why they do not fit, or null.</summary>
    public static string? Mismatch(IEvaluator evaluator, IReadOnlyDictionary<string, object?> values)
    {
        foreach (var column in evaluator.Columns)
        {
            if (!values.TryGetValue(column.Name, out var value) || value is null)
            {
                if (column.WhenMissing != MissingValue.Error)
                {
                    continue;
                }

                return $"returned no value for column '{column.Name}'";
            }

            var fits = column.Type switch
            {
                ColumnType.Bool => value is bool,
                ColumnType.Integer => value is long or int,
                ColumnType.Float => value is double or float or long or int,
                ColumnType.Choice => value is string choice && column.Choices.Contains(choice),
                _ => value is string,
            };
            if (!fits)
            {
                return $"column '{column.Name}' should be {column.Type.ToString().ToLowerInvariant()}"
                    + (column.Type == ColumnType.Choice ? $" (one of {string.Join(", ", column.Choices)})" : string.Empty)
                    + $" but was {value} ({value.GetType().Name})";
            }
        }

        return null;
    }
}
