using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EvalRunner.Templates;

namespace EvalRunner.Generation;

/// <summary>How to generate a response for a datapoint. A suite may have several, compared side by side.</summary>
public sealed record ModelConfig
{
    /// <summary>Unique within the suite; names the model config in results and reports.</summary>
    public required string Name { get; init; }

    /// <summary>The provider.</summary>
    public required Provider Provider { get; init; }

    /// <summary>The model (or Azure deployment) name; null for command and http.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// The endpoint of an OpenAI-compatible, Azure OpenAI or Ollama server; null for the provider's default. Written
    /// and shown without its user info and query values, which are treated as secrets.
    /// </summary>
    [JsonConverter(typeof(ShownUrlJsonConverter))]
    public Uri? BaseUrl { get; init; }

    /// <summary>The API key. Never written to results or reports.</summary>
    [JsonIgnore]
    public string? ApiKey { get; init; }

    /// <summary>Sampling temperature; null for the provider's default.</summary>
    public double? Temperature { get; init; }

    /// <summary>The most tokens to generate; null for the provider's default.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>A system message put before the datapoint's messages.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>Replaces the last user message when set (for example <c>"Answer briefly: {input.content}"</c>).</summary>
    [JsonIgnore]
    public PromptTemplate? Template { get; init; }

    /// <summary>The program and its arguments, for <see cref="Provider.Command"/>.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>The directory commands run in and relative paths resolve against (the suite's directory).</summary>
    public string WorkingDirectory { get; init; } = ".";

    /// <summary>The URL to POST to, for <see cref="Provider.Http"/>; written and shown like <see cref="BaseUrl"/>.</summary>
    [JsonConverter(typeof(ShownUrlJsonConverter))]
    public Uri? Url { get; init; }

    /// <summary>HTTP headers for <see cref="Provider.Http"/>; values are treated as secrets.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The request body for <see cref="Provider.Http"/> whose string values are templates; null sends the datapoint as JSON.</summary>
    [JsonIgnore]
    public JsonNode? Body { get; init; }

    /// <summary>Where the response text is in a JSON answer (<c>$.choices[0].text</c>); null takes the whole output.</summary>
    public string? ResponsePath { get; init; }
}
