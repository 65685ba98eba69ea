using System.Text.Json.Serialization;

namespace EvalRunner.GitHub;

/// <summary>Where a baseline comes from: <c>baseline.json</c> beside the results it was extracted with.</summary>
internal sealed record BaselineInfo
{
    /// <summary>The commit the baseline run ran on (the run's <c>head_sha</c>).</summary>
    [JsonPropertyName("commit")]
    public required string Commit { get; init; }

    [JsonPropertyName("branch")]
    public required string Branch { get; init; }

    /// <summary>When the baseline run was created.</summary>
    [JsonPropertyName("created_at")]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The baseline run's page on GitHub.</summary>
    [JsonPropertyName("run_url")]
    public required string RunUrl { get; init; }

    [JsonPropertyName("artifact")]
    public required BaselineArtifactId Artifact { get; init; }
}
