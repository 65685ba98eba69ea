namespace EvalRunner.Cli.Online;

/// <summary>
/// One GenAI log event of a call: prompt messages (<c>gen_ai.system.message</c>, <c>gen_ai.user.message</c>,
/// <c>gen_ai.assistant.message</c>, or a <c>gen_ai.input.messages</c> attribute), the completion (<c>gen_ai.choice</c>
/// or <c>gen_ai.output.messages</c>), or system instructions. A message without text had its content left out by the client.
/// </summary>
internal sealed record GenAIEvent
{
    /// <summary>The call's key: trace id and span id in hex (<c>TRACEID:SPANID</c>).</summary>
    public required string Key { get; init; }

    public required GenAIClient Client { get; init; }

    public ulong TimeUnixNano { get; init; }

    public ulong ObservedUnixNano { get; init; }

    /// <summary>The order of arrival, after the timestamps when events share one.</summary>
    public long Sequence { get; init; }

    public IReadOnlyList<(string Role, string? Text)> Input { get; init; } = [];

    public string? SystemInstructions { get; init; }

    /// <summary>True when the event carries the completion (its text may still be missing).</summary>
    public bool IsOutput { get; init; }

    /// <summary>The first choice's text (choice index 0 first).</summary>
    public string? Output { get; init; }

    /// <summary>The choice's index (<c>gen_ai.choice</c>); 0 otherwise.</summary>
    public long ChoiceIndex { get; init; }
}
