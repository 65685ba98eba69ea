using System.Text.Json;

namespace EvalRunner.Datasets;

/// <summary>
/// A tool's result written in the suite or a datapoint (<c>tool_results:</c>), so that a run needs no live backend:
/// matched by the tool's name and, when given, its arguments (the given keys, objects matched recursively).
/// </summary>
public sealed record CannedToolResult
{
    /// <summary>The tool's name.</summary>
    public required string Name { get; init; }

    /// <summary>The arguments it answers (a JSON object, its keys matched as a subset); null for any arguments.</summary>
    public JsonElement? Arguments { get; init; }

    /// <summary>What the tool returns, as text (a JSON value is given to the model as JSON); null when it fails.</summary>
    public string? Result { get; init; }

    /// <summary>The error the tool fails with; null when it returns <see cref="Result"/>.</summary>
    public string? Error { get; init; }

    /// <summary>How long the call is recorded to take, in milliseconds; zero unless the suite says.</summary>
    public double LatencyMs { get; init; }

    /// <summary>Where it is written, for errors.</summary>
    public SourceLocation? Location { get; init; }
}
