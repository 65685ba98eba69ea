namespace EvalRunner.Results;

/// <summary>One reason for a run's verdict: what kind of reason it is, and what it says.</summary>
public sealed record VerdictReason
{
    /// <summary>What kind of reason this is; front ends choose what to show by it, never by the message's text.</summary>
    public required VerdictReasonKind Kind { get; init; }

    /// <summary>The reason in one sentence, for people.</summary>
    public required string Message { get; init; }
}
