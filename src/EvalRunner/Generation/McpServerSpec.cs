namespace EvalRunner.Generation;

/// <summary>
/// An MCP server a model config takes tools from (<c>mcp:</c>): a program started over stdio (<see cref="Command"/>)
/// or a streamable HTTP endpoint (<see cref="Url"/>).
/// </summary>
internal sealed record McpServerSpec
{
    /// <summary>Names the server in errors and in the cache key; unique within the model config.</summary>
    public required string Name { get; init; }

    /// <summary>The program and its arguments, started with the suite's directory as working directory; null for HTTP.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Environment variables set for the program, on top of the run's own.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The streamable HTTP endpoint; null for stdio.</summary>
    public Uri? Url { get; init; }

    /// <summary>HTTP headers sent with each request; values whose names say credential are secrets.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the server is declared, for errors.</summary>
    public required SourceLocation Location { get; init; }

    /// <summary>The server as errors show it: its name, and its command or its URL without credentials.</summary>
    public override string ToString() =>
        $"MCP server '{Name}' ({(Command is { } command ? string.Join(' ', command) : Url is { } url ? Redactor.ShowUrl(url) : "?")})";
}
