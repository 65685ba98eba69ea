namespace EvalRunner.Online;

/// <summary>A threshold of the suite that no Prometheus alerting rule can decide as the watcher does.</summary>
internal sealed record UnexpressedRule
{
    /// <summary>The threshold as written.</summary>
    public required string Rule { get; init; }

    /// <summary>Why PromQL cannot express it over the watcher's metrics.</summary>
    public required string Reason { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Rule}: {Reason}";
}
