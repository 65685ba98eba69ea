using System.Text.Json;

namespace EvalRunner.Testing;

/// <summary>One webhook notification of Alertmanager: a group of alerts, <c>firing</c> or <c>resolved</c>.</summary>
public sealed record AlertmanagerNotification
{
    /// <summary><c>firing</c> while one of its alerts fires, else <c>resolved</c>.</summary>
    public required string Status { get; init; }

    public required IReadOnlyList<AlertmanagerAlert> Alerts { get; init; }

    /// <summary>The notification's JSON body, as received.</summary>
    public required string Json { get; init; }

    /// <summary>Reads the body of a webhook notification (version 4).</summary>
    public static AlertmanagerNotification Parse(JsonElement body) => new()
    {
        Status = body.GetProperty("status").GetString()!,
        Alerts = [.. body.GetProperty("alerts").EnumerateArray().Select(a => new AlertmanagerAlert
        {
            Status = a.GetProperty("status").GetString()!,
            Labels = Strings(a, "labels"),
            Annotations = Strings(a, "annotations"),
        })],
        Json = body.GetRawText(),
    };

    /// <inheritdoc />
    public override string ToString() => Json;

    private static Dictionary<string, string> Strings(JsonElement alert, string name) =>
        alert.TryGetProperty(name, out var map) && map.ValueKind == JsonValueKind.Object
            ? map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal)
            : [];
}
