using System.Globalization;
using System.Text.Json;

namespace EvalRunner.Generation;

/// <summary>The dotted subset of JSONPath that picks one value: <c>$.answer</c>, <c>choices[0].message.content</c>.</summary>
internal sealed class JsonPath
{
    private readonly List<object> _steps;

    private JsonPath(string text, List<object> steps)
    {
        Text = text;
        _steps = steps;
    }

    public string Text { get; }

    /// <exception cref="FormatException">The path is not of the supported form.</exception>
    public static JsonPath Parse(string text)
    {
        var steps = new List<object>();
        var rest = text.Trim();
        if (rest.StartsWith('$'))
        {
            rest = rest[1..];
        }

        foreach (var segment in rest.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment;
            var bracket = name.IndexOf('[', StringComparison.Ordinal);
            if (bracket != 0)
            {
                steps.Add(bracket < 0 ? name : name[..bracket]);
            }

            while (bracket >= 0)
            {
                var close = name.IndexOf(']', bracket);
                if (close < 0 || !int.TryParse(name[(bracket + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw new FormatException($"'{text}' is not a JSON path like $.answer or $.choices[0].text");
                }

                steps.Add(index);
                name = name[(close + 1)..];
                bracket = name.IndexOf('[', StringComparison.Ordinal);
                if (bracket != 0 && name.Length > 0)
                {
                    throw new FormatException($"'{text}' is not a JSON path like $.answer or $.choices[0].text");
                }
            }
        }

        return new JsonPath(text, steps);
    }

    /// <summary>The text at the path: a string as it is, any other value as JSON.</summary>
    /// <exception cref="KeyNotFoundException">Nothing is at the path.</exception>
    public string SelectText(JsonElement root)
    {
        var current = Select(root, "response_path");
        return current.ValueKind == JsonValueKind.String ? current.GetString()! : current.GetRawText();
    }

    /// <summary>The value at the path; <paramref name="key"/> names the path's key in the error.</summary>
    /// <exception cref="KeyNotFoundException">Nothing is at the path.</exception>
    public JsonElement Select(JsonElement root, string key)
    {
        var current = root;
        foreach (var step in _steps)
        {
            var found = step switch
            {
                string name => current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out current),
                int index when current.ValueKind == JsonValueKind.Array && index < current.GetArrayLength() => Take(ref current, index),
                _ => false,
            };
            if (!found)
            {
                throw new KeyNotFoundException($"{key} '{Text}' found nothing at '{step}' in the answer");
            }
        }

        return current;
    }

    private static bool Take(ref JsonElement current, int index)
    {
        current = current[index];
        return true;
    }
}
