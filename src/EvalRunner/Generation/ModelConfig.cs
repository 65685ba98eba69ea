using System.Text.Json.Serialization;
using EvalRunner.Templates;

namespace EvalRunner.Generation;

/// <summary>How to generate a response for a datapoint. A suite may have several, compared side by side.</summary>
internal sealed record ModelConfig
{
    /// <summary>Unique within the suite; names the model config in results and reports.</summary>
    public required string Name { get; init; }

    /// <summary>The provider's name as written in the suite: <c>openai</c>, <c>azure-openai</c>, <c>ollama</c>, <c>anthropic</c>, <c>command</c> or <c>http</c>.</summary>
    public required string Provider { get; init; }

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

    /// <summary>The directory commands run in and relative paths resolve against (the suite's directory).</summary>
    public string WorkingDirectory { get; init; } = ".";

    /// <summary>The tools offered to the model (<c>tools:</c>); empty when it offers none.</summary>
    [JsonIgnore]
    public IReadOnlyList<ToolDeclaration> Tools { get; init; } = [];

    /// <summary>The MCP servers whose tools are offered beside <see cref="Tools"/> (<c>mcp:</c>); empty when none.</summary>
    [JsonIgnore]
    public IReadOnlyList<McpServerSpec> McpServers { get; init; } = [];

    /// <summary>Whether the model is offered tools (<c>tools:</c> or <c>mcp:</c>): generation runs the tool loop.</summary>
    [JsonIgnore]
    public bool HasTools => Tools.Count > 0 || McpServers.Count > 0;

    /// <summary>The canned tool results of the suite (<c>tool_results:</c>), tried after a datapoint's own.</summary>
    [JsonIgnore]
    public IReadOnlyList<Datasets.CannedToolResult> ToolResults { get; init; } = [];

    /// <summary>The most model calls of one generation with tools (<c>max_steps</c>, default 10).</summary>
    public int MaxSteps { get; init; } = DefaultMaxSteps;

    /// <summary>The default of <see cref="MaxSteps"/>.</summary>
    public const int DefaultMaxSteps = 10;

    /// <summary>The provider's own settings (a command's program, an HTTP service's URL); null for LLM providers.</summary>
    public ProviderOptions? Options { get; init; }
}
