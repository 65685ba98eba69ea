using System.Text.Json.Serialization;

namespace EvalRunner.GitHub;

/// <summary>The artifact a baseline was extracted from.</summary>
internal sealed record BaselineArtifactId
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("id")]
    public required long Id { get; init; }
}
