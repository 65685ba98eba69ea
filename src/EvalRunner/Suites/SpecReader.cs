using System.Text.RegularExpressions;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Suites;

/// <summary>YAML readers that several parts share: values, typed columns, judge models, URLs, programs.</summary>
internal static partial class SpecReader
{
    private static readonly string[] JudgeModelKeys = ["name", "provider", "model", "base_url", "api_key", "temperature", "max_tokens", "system_prompt"];
    private static readonly string[] ColumnKeys = ["name", "type", "description", "options", "min", "max"];
    private static readonly string[] ColumnTypes = ["bool", "integer", "float", "string", "choices"];

    /// <summary><c>value</c> or <c>values</c>: one text or a list; empty when neither is given.</summary>
    public static IReadOnlyList<string> Values(YamlMap spec)
    {
        if (spec.Has("value") && spec.Has("values"))
        {
            throw spec.Error("values", "give either 'value' or 'values', not both");
        }

        return spec.StringList("value") ?? spec.StringList("values") ?? [];
    }

    /// <summary>
    /// A model config for a judge (<paramref name="needed"/> <see cref="ProviderCapabilities.Chat"/>) or an embedding
    /// model (<see cref="ProviderCapabilities.Embeddings"/>): a provider that can do it only, temperature 0 unless set.
    /// </summary>
    public static ModelConfig ReadJudgeModel(YamlMap model, SuiteReadContext context, ProviderCapabilities needed = ProviderCapabilities.Chat)
    {
        model.AllowOnly(JudgeModelKeys);
        var able = ProviderKind.NamesWith(needed);
        var (role, lacks) = needed.HasFlag(ProviderCapabilities.Embeddings) ? ("an embedding model", "no embeddings") : ("a judge", "no chat client");
        var provider = model.RequireString("provider", $"{string.Join(", ", able.SkipLast(1))} or {able[^1]}");
        var kind = ProviderKind.Find(provider)
            ?? throw model.Error("provider", $"unknown provider '{provider}'; {role} needs one of {string.Join(", ", able)}{Suggest.DidYouMean(provider, able)}");
        if (!kind.Can(needed))
        {
            throw model.Error("provider", $"provider '{provider}' has {lacks}; {role} needs one of {string.Join(", ", able)}");
        }

        return kind.Read(model, context) with
        {
            Temperature = model.Double("temperature", 0, 2) ?? 0,
            MaxTokens = model.Int("max_tokens", 1),
            SystemPrompt = model.String("system_prompt"),
        };
    }

    /// <summary>
    /// Typed columns: a mapping (<c>score: integer</c>) or a list of <c>{name, type, description, options, min, max}</c>,
    /// with types bool, integer, float, string and choices; null when the key is absent.
    /// </summary>
    public static List<Column>? ReadColumns(YamlMap spec, string key, bool allowRange)
    {
        var columns = new List<Column>();
        switch (spec.Node(key))
        {
            case null:
                return null;
            case YamlMappingNode:
                var map = spec.Map(key)!;
                foreach (var name in map.Keys)
                {
                    columns.Add(new Column { Name = name, Type = ReadColumnType(map, name, map.String(name) ?? string.Empty, hasOptions: false) });
                }

                break;
            case YamlSequenceNode:
                foreach (var item in spec.Maps(key))
                {
                    item.AllowOnly(allowRange ? ColumnKeys : ["name", "type", "description", "options"]);
                    var name = item.RequireString("name", "the column name");
                    var type = ReadColumnType(item, "type", item.RequireString("type", string.Join(", ", ColumnTypes)), item.Has("options"));
                    var options = item.StringList("options") ?? [];
                    if (type == ColumnType.Choice && options.Count == 0)
                    {
                        throw new SuiteException(item.Here with { Field = item.Join("options") }, "a choices column needs 'options': the allowed values");
                    }

                    var column = new Column
                    {
                        Name = name,
                        Type = type,
                        Description = item.String("description"),
                        Choices = options,
                        Minimum = item.Double("min"),
                        Maximum = item.Double("max"),
                    };
                    if ((column.Minimum is not null || column.Maximum is not null) && type is not (ColumnType.Integer or ColumnType.Float))
                    {
                        throw item.Error(item.Has("min") ? "min" : "max", "min and max apply to integer and float columns only");
                    }

                    columns.Add(column);
                }

                break;
            default:
                throw spec.Error(key, "must be a mapping (name: type) or a list of {name, type, description}");
        }

        if (columns.Count == 0)
        {
            throw spec.Error(key, "needs at least one column");
        }

        foreach (var column in columns)
        {
            if (!ColumnName().IsMatch(column.Name))
            {
                throw spec.Error(key, $"'{column.Name}' is not a valid column name; use letters, digits and '_'");
            }

            if (columns.Count(c => c.Name == column.Name) > 1)
            {
                throw spec.Error(key, $"column '{column.Name}' is declared twice");
            }
        }

        return columns;
    }

    private static ColumnType ReadColumnType(YamlMap map, string key, string type, bool hasOptions) => type switch
    {
        "bool" or "boolean" => ColumnType.Bool,
        "integer" or "int" => ColumnType.Integer,
        "float" or "number" => ColumnType.Float,
        "string" or "str" => ColumnType.String,
        "choices" or "choice" or "enum" => ColumnType.Choice,
        _ => throw map.Error(key, $"unknown column type '{type}'{Suggest.DidYouMean(type, ColumnTypes)}; use {string.Join(", ", ColumnTypes)}"),
    } is var parsed && hasOptions && parsed != ColumnType.Choice
        ? throw map.Error(key, "'options' apply to choices columns only")
        : parsed;

    /// <summary>An absolute http(s) URL, or null when the key is absent.</summary>
    /// <summary>
    /// A provider URL. The URL is no secret even when read from a variable with a secret-looking name, but its user info
    /// and query values (<c>?key=…</c>) are.
    /// </summary>
    public static Uri? ReadUrl(YamlMap model, string key)
    {
        var text = model.String(key, Secrecy.NotSecret);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw model.Error(key, $"'{(uri is null ? text : Redactor.ShowUrl(uri))}' is not an http(s) URL");
        }

        model.Settings.AddSecretsOf(uri);
        return uri;
    }

    /// <summary><c>response_path</c>, checked and normalized; null when absent.</summary>
    public static string? ReadResponsePath(YamlMap model)
    {
        var path = model.String("response_path");
        try
        {
            return path is null ? null : JsonPath.Parse(path).Text;
        }
        catch (FormatException ex)
        {
            throw model.Error("response_path", ex.Message);
        }
    }

    /// <summary>The full path of a program: a file relative to the suite, or a name found on PATH; null when neither.</summary>
    public static string? ResolveExecutable(string program, string directory, Settings settings)
    {
        if (program.Contains('/', StringComparison.Ordinal) || program.Contains('\\', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(Path.Combine(directory, program));
            return File.Exists(full) ? full : null;
        }

        foreach (var folder in (settings.Get("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in OperatingSystem.IsWindows() ? new[] { program, program + ".exe", program + ".cmd" } : [program])
            {
                var full = Path.Combine(folder, candidate);
                if (File.Exists(full))
                {
                    return full;
                }
            }
        }

        return null;
    }

    /// <summary>Splits a command line on spaces, keeping "quoted" and 'quoted' parts together.</summary>
    public static List<string> SplitCommandLine(string text)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        char? quote = null;
        var inPart = false;
        foreach (var c in text)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inPart = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inPart)
                {
                    parts.Add(current.ToString());
                    current.Clear();
                    inPart = false;
                }
            }
            else
            {
                current.Append(c);
                inPart = true;
            }
        }

        if (inPart)
        {
            parts.Add(current.ToString());
        }

        return parts;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ColumnName();
}
