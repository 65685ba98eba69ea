using System.Text.Json;
using System.Text.RegularExpressions;
using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Yaml;
using Json.Schema;

namespace EvalRunner.Suites;

/// <summary>Reading a model config's tools (<c>tools:</c>, <c>max_steps</c>) and the suite's canned tool results (<c>tool_results:</c>).</summary>
public static partial class SuiteLoader
{
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ToolName();

    private static readonly string[] ToolKeys = ["name", "description", "parameters", "command", "file"];
    private static readonly string[] ToolResultKeys = ["name", "arguments", "result", "error", "latency_ms"];

    /// <summary>The tools of a model config, inline or from a file in the OpenAI tools format, each checked.</summary>
    private static List<ToolDeclaration> ReadTools(YamlMap model, SuiteReadContext context)
    {
        var tools = new List<ToolDeclaration>();
        foreach (var item in model.Maps("tools"))
        {
            item.AllowOnly(ToolKeys);
            var declared = item.Try(() => item.Has("file") ? ReadToolFile(item, context) : [ReadInlineTool(item)], []);
            foreach (var tool in declared)
            {
                if (tools.Any(t => t.Name == tool.Name))
                {
                    item.Try<object?>(() => throw new SuiteException(tool.Location, $"the tool '{tool.Name}' is declared twice in this model config; give each tool a unique name"), null);
                    continue;
                }

                tools.Add(tool);
            }
        }

        return tools;
    }

    private static ToolDeclaration ReadInlineTool(YamlMap item)
    {
        var name = item.RequireString("name", "the tool's name, as the model calls it", Secrecy.NotSecret);
        CheckToolName(name, item.LocationOf("name"));
        var parameters = item.Node("parameters") is { } node
            ? YamlJson.FromNode(node, item.LocationOf("parameters"))?.ToJsonString() ?? "{}"
            : "{\"type\":\"object\",\"properties\":{}}";
        return new ToolDeclaration
        {
            Name = name,
            Description = item.String("description", Secrecy.NotSecret),
            Parameters = ParseToolSchema(parameters, item.LocationOf(item.Has("parameters") ? "parameters" : "name"), name),
            Command = item.Has("command") ? CommandOf(item) : null,
            Location = item.Here,
        };
    }

    private static List<string> CommandOf(YamlMap item) => item.StringList("command") is { Count: > 0 } command
        ? [.. command]
        : throw item.Error("command", "must be a program and its arguments, for example [python3, tools/lookup.py]");

    /// <summary>A JSON file of tools in the OpenAI format: <c>[{"type": "function", "function": {name, description, parameters}}]</c>.</summary>
    private static List<ToolDeclaration> ReadToolFile(YamlMap item, SuiteReadContext context)
    {
        if (item.Has("name") || item.Has("parameters") || item.Has("description"))
        {
            throw item.Error("file", "a tools file declares its tools itself; write either 'file' or 'name' with 'parameters'");
        }

        var file = item.RequireString("file", "a JSON file of tools in the OpenAI format", Secrecy.NotSecret);
        var full = context.Paths.Resolve(item, "file", file);
        var at = item.LocationOf("file");
        if (!File.Exists(full))
        {
            throw new SuiteException(at, $"tools file '{file}' not found (looked for {full})");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(InputFile.ReadAllText(full, at), new JsonDocumentOptions { MaxDepth = Nesting.MaxDatapointDepth });
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new SuiteException(new SourceLocation(full, (int)(ex.LineNumber ?? 0) + 1), $"not JSON: {ex.Message}");
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new SuiteException(new SourceLocation(full, 1), "must be a JSON array of tools: [{\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}]");
        }

        var tools = new List<ToolDeclaration>();
        var index = 0;
        foreach (var entry in root.EnumerateArray())
        {
            var here = new SourceLocation(full, 1) { Field = $"[{index}]" };
            var function = entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f
                : entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("name", out _) ? entry
                : throw new SuiteException(here, "must be a tool: {\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}");
            var name = function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : throw new SuiteException(here with { Field = $"[{index}].function.name" }, "'name' is required: the tool's name");
            CheckToolName(name, here with { Field = $"[{index}].function.name" });
            tools.Add(new ToolDeclaration
            {
                Name = name,
                Description = function.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
                Parameters = ParseToolSchema(function.TryGetProperty("parameters", out var p) ? p.GetRawText() : "{\"type\":\"object\",\"properties\":{}}", here with { Field = $"[{index}].function.parameters" }, name),
                Location = here,
            });
            index++;
        }

        return tools;
    }

    private static void CheckToolName(string name, SourceLocation at)
    {
        if (!ToolName().IsMatch(name))
        {
            throw new SuiteException(at, $"tool name '{name}' must be 1 to 64 letters, digits, '_' or '-' (as model APIs require)");
        }
    }

    /// <summary>The parameters schema as JSON, once JSON Schema accepts it and it describes an object.</summary>
    private static JsonElement ParseToolSchema(string text, SourceLocation at, string tool)
    {
        try
        {
            JsonSchema.FromText(text);
        }
        catch (Exception ex) when (ex is JsonException or JsonSchemaException or InvalidOperationException or ArgumentException)
        {
            throw new SuiteException(at, $"the parameters of tool '{tool}' are not a valid JSON Schema: {ex.Message}");
        }

        using var document = JsonDocument.Parse(text);
        var schema = document.RootElement.Clone();
        if (schema.ValueKind != JsonValueKind.Object
            || (schema.TryGetProperty("type", out var type) && !(type.ValueKind == JsonValueKind.String && type.GetString() == "object")))
        {
            throw new SuiteException(at, $"the parameters of tool '{tool}' must be an object schema ({{type: object, properties: {{...}}}}): a tool's arguments are a JSON object");
        }

        return schema;
    }

    /// <summary>The suite's canned tool results (<c>tool_results:</c>); each must name a tool that a model config offers.</summary>
    private static List<CannedToolResult> ReadToolResults(YamlMap map, IReadOnlyList<ModelConfig> models)
    {
        var results = new List<CannedToolResult>();
        var offered = models.SelectMany(m => m.Tools).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        // An MCP server's tools are known once it runs: with one, any name may be one of its tools.
        var mcp = models.Any(m => m.McpServers.Count > 0);
        foreach (var item in map.Maps("tool_results"))
        {
            item.AllowOnly(ToolResultKeys);
            if (item.Try(() => ReadToolResult(item, offered, mcp), null) is { } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    private static CannedToolResult ReadToolResult(YamlMap item, HashSet<string> offered, bool mcp)
    {
        var name = item.RequireString("name", "the tool whose call this answers", Secrecy.NotSecret);
        if (!offered.Contains(name) && !mcp)
        {
            throw item.Error("name", offered.Count == 0
                ? $"no model config offers a tool '{name}' (a model config's tools: declares them)"
                : $"no model config offers a tool '{name}'{Suggest.DidYouMean(name, offered)}; the tools: {string.Join(", ", offered.Order(StringComparer.Ordinal))}");
        }

        JsonElement? arguments = null;
        if (item.Node("arguments") is { } node)
        {
            var json = YamlJson.FromNode(node, item.LocationOf("arguments"));
            arguments = json is System.Text.Json.Nodes.JsonObject
                ? JsonDocument.Parse(json.ToJsonString()).RootElement.Clone()
                : throw item.Error("arguments", "must be a mapping of the arguments this result answers (the keys given are matched)");
        }

        if (item.Has("result") == item.Has("error"))
        {
            throw new SuiteException(item.Here with { Field = item.Join("result") }, "give either 'result' (what the tool returns) or 'error' (what it fails with)");
        }

        string? result = null;
        if (item.Node("result") is { } value)
        {
            var json = YamlJson.FromNode(value, item.LocationOf("result"));
            result = json is System.Text.Json.Nodes.JsonValue scalar && scalar.TryGetValue<string>(out var text) ? text : json?.ToJsonString() ?? "null";
        }

        return new CannedToolResult
        {
            Name = name,
            Arguments = arguments,
            Result = result,
            Error = item.String("error", Secrecy.NotSecret),
            LatencyMs = item.Double("latency_ms", 0) ?? 0,
            Location = item.Here,
        };
    }
}
