namespace EvalRunner.Cli.Online;

/// <summary>What a GenAI chat span says about one call: the model, tokens and timing, and the messages it carries (often none).</summary>
internal sealed record GenAISpan
{
    /// <summary>The call's key: trace id and span id in hex (<c>TRACEID:SPANID</c>).</summary>
    public required string Key { get; init; }

    public required GenAIClient Client { get; init; }

    public string? Model { get; init; }

    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    public double LatencyMs { get; init; }

    public ulong StartUnixNano { get; init; }

    public string? SystemInstructions { get; init; }

    public IReadOnlyList<(string Role, string? Text)> Input { get; init; } = [];

    public string? Output { get; init; }
}
