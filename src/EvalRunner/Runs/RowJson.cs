using System.Text.Json;
using EvalRunner.Evaluators;

namespace EvalRunner.Runs;

/// <summary>One row as one line of <c>results.jsonl</c>.</summary>
internal static class RowJson
{
    /// <summary>Writes the row with every string value passed through <paramref name="redactor"/>: the only copy that is kept.</summary>
    public static void Write(Utf8JsonWriter writer, Row row, Redactor redactor)
    {
        writer.WriteStartObject();
        writer.WriteString("datapoint_id", Redact(redactor, row.DatapointId));
        writer.WriteString("model_config", Redact(redactor, row.ModelConfig));
        writer.WriteString("outcome", row.Outcome.ToString().ToLowerInvariant());
        writer.WriteString("input", Redact(redactor, row.Input));
        writer.WriteString("expected", Redact(redactor, row.Expected));
        writer.WriteStartArray("tags");
        foreach (var tag in row.Tags)
        {
            writer.WriteStringValue(redactor.Redact(tag));
        }

        writer.WriteEndArray();
        if (row.Location is not null)
        {
            writer.WriteString("location", Redact(redactor, row.Location));
        }

        writer.WriteStartObject("log");
        writer.WriteString("model", Redact(redactor, row.Log.Model));
        writer.WriteString("generated_response", Redact(redactor, row.Log.Response));
        writer.WriteNumber("latency_ms", Math.Round(row.Log.LatencyMs, 3));
        WriteNullable(writer, "input_tokens", row.Log.InputTokens);
        WriteNullable(writer, "output_tokens", row.Log.OutputTokens);
        writer.WriteBoolean("cache_hit", row.Log.CacheHit);
        if (row.Log.CostUsd is { } cost)
        {
            writer.WriteNumber("cost_usd", Math.Round(cost, 8));
        }
        else
        {
            writer.WriteNull("cost_usd");
        }

        writer.WriteString("error", Redact(redactor, row.Log.Error));
        writer.WriteEndObject();

        writer.WriteStartObject("evaluations");
        foreach (var evaluation in row.Evaluations)
        {
            writer.WriteStartObject(evaluation.Evaluator);
            foreach (var (name, value) in evaluation.Values)
            {
                WriteValue(writer, name, value, redactor);
            }

            if (evaluation.Error is not null)
            {
                writer.WriteString("error", Redact(redactor, evaluation.Error));
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteStartArray("failed_rules");
        foreach (var rule in row.FailedRules)
        {
            writer.WriteStringValue(redactor.Redact(rule));
        }

        writer.WriteEndArray();
        writer.WriteString("error", Redact(redactor, row.Error));
        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, string name, object? value, Redactor redactor)
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
                writer.WriteString(name, Redact(redactor, value.ToString()));
                break;
        }
    }

    private static string? Redact(Redactor redactor, string? text) => text is null ? null : redactor.Redact(text);

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

    /// <summary>A row back from its line; null for a line that is not a whole row (the cut last line of a killed run).</summary>
    public static Row? Read(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var log = root.GetProperty("log");
            var evaluations = new List<Evaluation>();
            foreach (var evaluation in root.GetProperty("evaluations").EnumerateObject())
            {
                var values = new Dictionary<string, object?>();
                string? error = null;
                foreach (var value in evaluation.Value.EnumerateObject())
                {
                    if (value.Name == "error" && value.Value.ValueKind == JsonValueKind.String)
                    {
                        error = value.Value.GetString();
                        continue;
                    }

                    values[value.Name] = value.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        JsonValueKind.String => value.Value.GetString(),
                        JsonValueKind.Number when value.Value.TryGetInt64(out var integer) && !value.Value.GetRawText().AsSpan().ContainsAny('.', 'e', 'E') => integer,
                        JsonValueKind.Number => value.Value.GetDouble(),
                        _ => null,
                    };
                }

                evaluations.Add(error is null ? new Evaluation { Evaluator = evaluation.Name, Values = values } : new Evaluation { Evaluator = evaluation.Name, Error = error });
            }

            return new Row
            {
                DatapointId = root.GetProperty("datapoint_id").GetString()!,
                ModelConfig = root.GetProperty("model_config").GetString()!,
                Outcome = Enum.Parse<Outcome>(root.GetProperty("outcome").GetString()!, ignoreCase: true),
                Input = root.GetProperty("input").GetString() ?? string.Empty,
                Expected = root.GetProperty("expected").GetString() ?? string.Empty,
                Tags = [.. root.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)],
                Location = root.TryGetProperty("location", out var location) ? location.GetString() : null,
                Log = new Generation.Log
                {
                    ModelConfig = root.GetProperty("model_config").GetString()!,
                    Model = log.GetProperty("model").GetString(),
                    Response = log.GetProperty("generated_response").GetString(),
                    LatencyMs = log.GetProperty("latency_ms").GetDouble(),
                    InputTokens = log.GetProperty("input_tokens").ValueKind == JsonValueKind.Number ? log.GetProperty("input_tokens").GetInt64() : null,
                    OutputTokens = log.GetProperty("output_tokens").ValueKind == JsonValueKind.Number ? log.GetProperty("output_tokens").GetInt64() : null,
                    CacheHit = log.TryGetProperty("cache_hit", out var hit) && hit.ValueKind == JsonValueKind.True,
                    CostUsd = log.TryGetProperty("cost_usd", out var cost) && cost.ValueKind == JsonValueKind.Number ? cost.GetDouble() : null,
                    Error = log.GetProperty("error").GetString(),
                },
                Evaluations = evaluations,
                FailedRules = [.. root.GetProperty("failed_rules").EnumerateArray().Select(r => r.GetString()!)],
                Error = root.GetProperty("error").GetString(),
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return null;
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
