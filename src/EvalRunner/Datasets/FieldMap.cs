using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalRunner.Datasets;

/// <summary>
/// A suite's <c>fields:</c> mapping: which column (CSV) or JSON path (JSONL, JSON, YAML; <c>request.messages</c>,
/// <c>choices[0].message.content</c>) of a file exported from another tool holds which field of a datapoint, so that
/// the file is evaluated as it is.
/// </summary>
internal sealed record FieldMap
{
    /// <summary>Source column or JSON path → datapoint field, in the order the suite writes them.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Mappings { get; init; }

    /// <summary>What happens to columns and fields neither mapped nor known.</summary>
    public RestPolicy Rest { get; init; }

    /// <summary>The fields a mapping may name (besides <c>context.NAME</c>).</summary>
    public static IReadOnlyList<string> Targets => DatapointParser.Keys;

    /// <summary>Why <paramref name="target"/> is not a field a mapping may name; null when it is one.</summary>
    public static string? TargetProblem(string target)
    {
        if (Targets.Contains(target) || (target.StartsWith("context.", StringComparison.Ordinal) && target.Length > "context.".Length))
        {
            return null;
        }

        return $"unknown target '{target}'{Suggest.DidYouMean(target, [.. Targets, "context.NAME"])}; "
            + $"map a column to one of {string.Join(", ", Targets)} or context.NAME";
    }

    /// <summary>
    /// The datapoint's JSON for one row of the file. <paramref name="start"/> holds fields a format already found (an
    /// OpenAI chat log's); the mapped fields are set over it, and the row's other fields are then not checked.
    /// </summary>
    /// <exception cref="DatasetException">The row is not an object, or has a field neither mapped nor known while <see cref="Rest"/> is <see cref="RestPolicy.Error"/>.</exception>
    public JsonElement Apply(JsonElement row, SourceLocation location, JsonObject? start = null)
    {
        if (row.ValueKind != JsonValueKind.Object)
        {
            throw new DatasetException(location, $"a row must be an object, not {DatapointParser.Describe(row)}");
        }

        var json = start ?? [];
        var context = json["context"] as JsonObject ?? [];
        json.Remove("context");
        if (start is null)
        {
            foreach (var property in row.EnumerateObject())
            {
                var name = property.Name;
                if (Consumed(name))
                {
                    continue;
                }

                if (name == "context" && property.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var entry in property.Value.EnumerateObject())
                    {
                        context[entry.Name] = Node(entry.Value);
                    }
                }
                else if (Targets.Contains(name))
                {
                    json[name] = Node(property.Value);
                }
                else if (name.StartsWith("context.", StringComparison.Ordinal) && name.Length > "context.".Length)
                {
                    context[name["context.".Length..]] = Node(property.Value);
                }
                else if (Rest == RestPolicy.Context)
                {
                    context[name] = Node(property.Value);
                }
                else if (Rest == RestPolicy.Error)
                {
                    throw new DatasetException(location.WithField(name),
                        $"unknown field '{name}'{Suggest.DidYouMean(name, Targets)}: map it in the suite's fields: ({name}: TARGET), "
                        + "or keep unmapped fields as context with 'rest: context' (or leave them out with 'rest: ignore')");
                }
            }
        }

        foreach (var (source, target) in Mappings)
        {
            if (Lookup(row, source) is not { } value || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                continue;
            }

            if (target.StartsWith("context.", StringComparison.Ordinal))
            {
                context[target["context.".Length..]] = Node(value);
            }
            else if (target == "context" && value.ValueKind == JsonValueKind.Object)
            {
                foreach (var entry in value.EnumerateObject())
                {
                    context[entry.Name] = Node(entry.Value);
                }
            }
            else
            {
                json[target] = Node(value);
            }
        }

        json["context"] = context;
        return JsonSerializer.SerializeToElement(json);
    }

    /// <summary>Whether a mapping reads the top-level field <paramref name="name"/> (or something inside it).</summary>
    private bool Consumed(string name) => Mappings.Any(m =>
        m.Key == name
        || (m.Key.Length > name.Length && m.Key.StartsWith(name, StringComparison.Ordinal) && m.Key[name.Length] is '.' or '['));

    /// <summary>
    /// The value at <paramref name="path"/>: a field of that exact name (a CSV column such as <c>context.topic</c>), else
    /// dotted names and <c>[index]</c> into lists (<c>choices[0].message.content</c>); null when there is none.
    /// </summary>
    public static JsonElement? Lookup(JsonElement row, string path)
    {
        if (row.ValueKind == JsonValueKind.Object && row.TryGetProperty(path, out var exact))
        {
            return exact;
        }

        var current = row;
        foreach (var segment in path.Split('.'))
        {
            var name = segment;
            var indexes = new List<int>();
            while (name.EndsWith(']') && name.LastIndexOf('[') is var open and >= 0)
            {
                if (!int.TryParse(name.AsSpan(open + 1, name.Length - open - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                {
                    return null;
                }

                indexes.Insert(0, index);
                name = name[..open];
            }

            if (name.Length > 0)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
                {
                    return null;
                }
            }

            foreach (var index in indexes)
            {
                if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength())
                {
                    return null;
                }

                current = current[index];
            }
        }

        return current;
    }

    private static JsonNode? Node(JsonElement value) => JsonNode.Parse(value.GetRawText());
}
