using System.Collections.Immutable;

namespace EvalRunner.Cli.Online;

/// <summary>What has arrived so far of one call (one trace id and span id): its chat span, its log events, or both.</summary>
internal sealed record GenAICall
{
    public required string Key { get; init; }

    /// <summary>When its first part arrived: it waits for the rest for a bounded time from here.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>
    /// When it first had its span, a prompt and its completion: from here it waits the grace period for late events
    /// of it (the system message sent in a request of its own) before it ends.
    /// </summary>
    public DateTimeOffset? Settled { get; init; }

    public GenAISpan? Span { get; init; }

    public ImmutableList<GenAIEvent> Events { get; init; } = [];

    public GenAIClient Client => Span?.Client ?? Events[0].Client;
}
