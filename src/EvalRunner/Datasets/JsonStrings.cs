using System.Text.Json;

namespace EvalRunner.Datasets;

/// <summary>Finds strings that are not text: a lone surrogate escape (<c>"\ud800"</c>) has no UTF-8 form.</summary>
internal static class JsonStrings
{
    /// <summary>Throws a <see cref="DatasetException"/> at <paramref name="location"/> when a string or key of <paramref name="element"/> holds a lone surrogate.</summary>
    public static void Check(JsonElement element, SourceLocation location)
    {
        if (FindLoneSurrogate(element) is { } field)
        {
            throw new DatasetException(
                field.Length == 0 ? location : location.WithField(field),
                "holds a string that is not valid text (a lone surrogate escape such as \\ud800, or bytes that are not UTF-8); write the character or its escaped pair");
        }
    }

    private static string? FindLoneSurrogate(JsonElement element, string path = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return path;
                }

            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindLoneSurrogate(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path;
                    }

                    if (FindLoneSurrogate(property.Value, path.Length == 0 ? name : $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
