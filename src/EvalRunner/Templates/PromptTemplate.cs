using System.Text;
using System.Text.Json;
using EvalRunner.Datasets;

namespace EvalRunner.Templates;

/// <summary>
/// A prompt with <c>{variables}</c>: <c>{input.content}</c> (the last user message), <c>{output.content}</c>
/// (the expected answer), <c>{context.NAME}</c> (nested names allowed), <c>{full_history}</c>, <c>{id}</c>, and where
/// a response exists (evaluator prompts) <c>{generated_response}</c> and the agent's <c>{tool_calls}</c>,
/// <c>{trajectory}</c> and <c>{tools}</c>. <c>{{</c> and <c>}}</c> are literal braces.
/// </summary>
internal sealed class PromptTemplate
{
    private static readonly string[] Fixed = ["input.content", "input.role", "output.content", "expected", "full_history", "id"];

    /// <summary>The variables of evaluator prompts only: they need a log.</summary>
    internal static readonly string[] OfLog = ["generated_response", "tool_calls", "trajectory", "tools"];
    private readonly List<(string? Text, string? Variable)> _parts;

    private PromptTemplate(string text, string owner, List<(string? Text, string? Variable)> parts)
    {
        Text = text;
        Owner = owner;
        _parts = parts;
    }

    /// <summary>Names the template's owner in errors (for example <c>models[0].template</c>).</summary>
    internal string Owner { get; }

    /// <summary>Where the suite writes the template; null for one given in code.</summary>
    internal SourceLocation? Location { get; private init; }

    /// <summary>The template as written.</summary>
    public string Text { get; }

    /// <summary>The variables it uses, in order of appearance.</summary>
    public IEnumerable<string> Variables => _parts.Where(part => part.Variable is not null).Select(part => part.Variable!);

    /// <summary>Parses a template; an unknown variable or an unclosed brace is reported with <paramref name="owner"/>.</summary>
    /// <param name="text">The template.</param>
    /// <param name="owner">Names the template's owner in errors (for example <c>models[0].template</c>).</param>
    /// <param name="allowResponse">Whether <c>{generated_response}</c>, <c>{tool_calls}</c>, <c>{trajectory}</c> and <c>{tools}</c> are available (evaluators) or not (generation).</param>
    /// <exception cref="FormatException">The template is malformed or uses an unknown variable.</exception>
    public static PromptTemplate Parse(string text, string owner, bool allowResponse)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<(string? Text, string? Variable)>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '{' && i + 1 < text.Length && text[i + 1] == '{')
            {
                literal.Append('{');
                i++;
                continue;
            }

            if (c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                literal.Append('}');
                i++;
                continue;
            }

            if (c != '{')
            {
                literal.Append(c);
                continue;
            }

            var end = text.IndexOf('}', i + 1);
            if (end < 0)
            {
                throw new FormatException($"{owner}: '{{' at position {i + 1} is never closed (write '{{{{' for a literal brace)");
            }

            var name = text[(i + 1)..end].Trim();
            string[] known = allowResponse ? [.. Fixed, .. OfLog] : Fixed;
            if (!known.Contains(name) && !(name.StartsWith("context.", StringComparison.Ordinal) && name.Length > "context.".Length))
            {
                var hint = !allowResponse && OfLog.Contains(name)
                    ? $" ({{{name}}} exists only in evaluator prompts)"
                    : Suggest.DidYouMean(name, [.. known, "context.NAME"]);
                throw new FormatException($"{owner}: unknown variable {{{name}}}{hint}; known: {string.Join(", ", known.Select(k => $"{{{k}}}"))}, {{context.NAME}}");
            }

            if (literal.Length > 0)
            {
                parts.Add((literal.ToString(), null));
                literal.Clear();
            }

            parts.Add((null, name));
            i = end;
        }

        if (literal.Length > 0)
        {
            parts.Add((literal.ToString(), null));
        }

        return new PromptTemplate(text, owner, parts);
    }

    /// <summary>The same template, declared at <paramref name="location"/> of a suite.</summary>
    internal PromptTemplate At(SourceLocation location) => new(Text, Owner, _parts) { Location = location };

    /// <summary>The <c>{context.NAME}</c> variables the template uses that <paramref name="datapoint"/> has no value for.</summary>
    internal IEnumerable<string> MissingIn(Datapoint datapoint) =>
        Variables.Where(v => v.StartsWith("context.", StringComparison.Ordinal) && !HasContext(datapoint, v["context.".Length..])).Distinct();

    private static bool HasContext(Datapoint datapoint, string path)
    {
        var names = path.Split('.');
        if (!datapoint.Context.TryGetValue(names[0], out var value))
        {
            return false;
        }

        foreach (var name in names.Skip(1))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The template with the datapoint's values filled in.</summary>
    /// <exception cref="KeyNotFoundException">The datapoint has no value for a <c>{context.NAME}</c> the template uses.</exception>
    public string Render(Datapoint datapoint, string? generatedResponse = null) => Render(datapoint, generatedResponse, fence: null);

    /// <summary>
    /// The template with the datapoint's values filled in, each passed through <paramref name="fence"/>
    /// (variable name, value) first when given: evaluator prompts fence data so that it reads as data.
    /// <paramref name="logValues"/> gives <c>{tool_calls}</c>, <c>{trajectory}</c> and <c>{tools}</c> (empty when not given).
    /// </summary>
    internal string Render(Datapoint datapoint, string? generatedResponse, Func<string, string, string>? fence, Func<string, string>? logValues = null)
    {
        ArgumentNullException.ThrowIfNull(datapoint);
        var result = new StringBuilder();
        foreach (var (text, variable) in _parts)
        {
            if (text is not null)
            {
                result.Append(text);
                continue;
            }

            var value = variable is "tool_calls" or "trajectory" or "tools"
                ? logValues?.Invoke(variable) ?? string.Empty
                : Value(datapoint, variable!, generatedResponse);
            result.Append(fence is null ? value : fence(variable!, value));
        }

        return result.ToString();
    }

    private static string Value(Datapoint datapoint, string variable, string? generatedResponse) => variable switch
    {
        "input.content" => datapoint.Input,
        "input.role" => "user",
        "output.content" or "expected" => datapoint.ExpectedText,
        "full_history" => datapoint.FullHistory,
        "id" => datapoint.Id,
        "generated_response" => generatedResponse ?? string.Empty,
        _ => ContextValue(datapoint, variable["context.".Length..]),
    };

    private static string ContextValue(Datapoint datapoint, string path)
    {
        var names = path.Split('.');
        if (!datapoint.Context.TryGetValue(names[0], out var value))
        {
            throw new KeyNotFoundException($"datapoint '{datapoint.Id}' has no context.{names[0]} (the template uses {{context.{path}}})");
        }

        foreach (var name in names.Skip(1))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
            {
                throw new KeyNotFoundException($"datapoint '{datapoint.Id}' has no context.{path} (the template uses {{context.{path}}})");
            }
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }
}
