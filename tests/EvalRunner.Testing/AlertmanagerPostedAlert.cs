namespace EvalRunner.Testing;

/// <summary>An alert to post to Alertmanager's <c>POST /api/v2/alerts</c>, as Prometheus sends one.</summary>
public sealed record AlertmanagerPostedAlert
{
    /// <summary>Its identity; <c>alertname</c> by convention.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>When it started firing; null lets Alertmanager take now.</summary>
    public DateTimeOffset? StartsAt { get; init; }

    /// <summary>When it stops: in the past, the alert is resolved; null keeps it firing until <c>resolve_timeout</c>.</summary>
    public DateTimeOffset? EndsAt { get; init; }
}
