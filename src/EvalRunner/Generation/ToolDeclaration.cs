using System.Text.Json;

namespace EvalRunner.Generation;

/// <summary>
/// A tool a model config offers the model (<c>tools:</c>): its name, description and JSON Schema parameters, and how
/// a call of it is answered: by its <see cref="Command"/>, else by canned results (<c>tool_results:</c>).
/// </summary>
internal sealed record ToolDeclaration
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>The JSON Schema of the arguments (an object schema).</summary>
    public required JsonElement Parameters { get; init; }

    /// <summary>A program that answers a call: the arguments as JSON on stdin, the result on stdout; null for none.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>The MCP server that declared it, as cache keys name it (<see cref="McpToolbox.Identity"/>); null for the suite's own tools.</summary>
    public string? Server { get; init; }

    /// <summary>Where the tool is declared, for errors.</summary>
    public required SourceLocation Location { get; init; }
}
