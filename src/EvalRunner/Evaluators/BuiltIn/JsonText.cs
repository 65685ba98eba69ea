using System.Text.Json;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>Reads a response as JSON, taking it out of a Markdown code fence first (models often add one).</summary>
internal static class JsonText
{
    public static bool TryParse(string response, out JsonDocument? document, out string error)
    {
        var text = response.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            var firstLine = text.IndexOf('\n', StringComparison.Ordinal);
            var close = text.LastIndexOf("```", StringComparison.Ordinal);
            if (firstLine > 0 && close > firstLine)
            {
                text = text[(firstLine + 1)..close].Trim();
            }
        }

        try
        {
            document = JsonDocument.Parse(text);
            error = string.Empty;
            return true;
        }
        catch (JsonException ex)
        {
            document = null;
            error = ex.Message.Split(" Path:")[0];
            return false;
        }
    }

    public static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
