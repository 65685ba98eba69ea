using System.Text;
using System.Text.Json;

namespace EvalRunner;

/// <summary>
/// How deep a datapoint may nest, and where a JSON text nests deeper. A bound keeps every reader and writer of a
/// datapoint's values (a Python call, a judge's prompt, a results row wraps them a few levels deeper) within JSON's
/// default of 64 levels, and keeps recursive readers off the end of the stack.
/// </summary>
internal static class Nesting
{
    /// <summary>The most levels a datapoint nests: the datapoint is the first, its <c>context</c> the second.</summary>
    public const int MaxDatapointDepth = 32;

    /// <summary>What is said of a datapoint nested deeper than <see cref="MaxDatapointDepth"/>.</summary>
    public static string DatapointTooDeep { get; } =
        $"nested more than {MaxDatapointDepth} levels deep; a datapoint nests at most {MaxDatapointDepth} levels (the datapoint is the first, "
        + "its context the second): flatten the value or keep it as a JSON string";

    /// <summary>
    /// The byte offset in <paramref name="json"/> of the first object or list that opens deeper than
    /// <paramref name="maxDepth"/> levels; null when none does before the text ends or stops being JSON.
    /// </summary>
    public static long? FindTooDeep(ReadOnlySpan<byte> json, int maxDepth)
    {
        if (json.StartsWith(Encoding.UTF8.Preamble))
        {
            return FindTooDeep(json[Encoding.UTF8.Preamble.Length..], maxDepth) + Encoding.UTF8.Preamble.Length;
        }

        // The reader keeps its depth in a bit stack, not on the call stack: any depth is read without recursion.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= maxDepth)
                {
                    return reader.TokenStartIndex;
                }
            }
        }
        catch (JsonException)
        {
            // Broken before anything too deep: the parser's own message says what is wrong.
        }

        return null;
    }

    /// <summary>The 1-based line of <paramref name="offset"/> in <paramref name="text"/>.</summary>
    public static int LineOf(ReadOnlySpan<byte> text, long offset) => 1 + text[..(int)Math.Min(offset, text.Length)].Count((byte)'\n');
}
