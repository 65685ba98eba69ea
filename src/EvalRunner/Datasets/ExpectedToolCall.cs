using System.Text.Json;

namespace EvalRunner.Datasets;

/// <summary>A tool call a datapoint expects the model to make: the tool's name and, optionally, its arguments.</summary>
public sealed record ExpectedToolCall
{
    /// <summary>The tool's name.</summary>
    public required string Name { get; init; }

    /// <summary>The arguments expected (a JSON object), compared as the evaluator's <c>arguments</c> option says; null for any.</summary>
    public JsonElement? Arguments { get; init; }
}
