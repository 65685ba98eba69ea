namespace EvalRunner.Online;

/// <summary>An aggregate threshold of the rolling window that started to fail (<c>breach</c>) or passes again (<c>clear</c>).</summary>
internal sealed record WatchAlert
{
    public required DateTimeOffset Time { get; init; }

    public required string Suite { get; init; }

    /// <summary>The model config whose rolling window the rule was decided over.</summary>
    public required string ModelConfig { get; init; }

    public required string Rule { get; init; }

    /// <summary><c>breach</c> or <c>clear</c>.</summary>
    public required string State { get; init; }

    public double? Value { get; init; }

    /// <summary>Rows in the window when the state changed.</summary>
    public required int Logs { get; init; }

    public string Text => $"[{Suite} / {ModelConfig}] {(State == "breach" ? "ALERT" : "cleared")}: {Rule} — {(Value is { } v ? ValueText.Format(v) : "no value")} over the last {Logs} logs";
}
