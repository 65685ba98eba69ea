namespace EvalRunner.Testing;

/// <summary>One alert in an Alertmanager notification.</summary>
public sealed record AlertmanagerAlert
{
    /// <summary><c>firing</c> or <c>resolved</c>.</summary>
    public required string Status { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public required IReadOnlyDictionary<string, string> Annotations { get; init; }
}
