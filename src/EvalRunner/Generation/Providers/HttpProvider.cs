using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Templates;
using EvalRunner.Yaml;

namespace EvalRunner.Generation.Providers;

/// <summary>The settings of <c>provider: http</c>.</summary>
internal sealed record HttpOptions : ProviderOptions
{
    /// <summary>The URL to POST to.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(ShownUrlJsonConverter))]
    public required Uri Url { get; init; }

    /// <summary>HTTP headers; values are treated as secrets.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The request body whose string values are templates; null sends the datapoint as JSON.</summary>
    [JsonIgnore]
    public JsonNode? Body { get; init; }

    /// <summary>The body's templates, at the body's place in the suite.</summary>
    [JsonIgnore]
    public IReadOnlyList<PromptTemplate> BodyTemplates { get; init; } = [];

    internal override IEnumerable<PromptTemplate> Templates => BodyTemplates;

    /// <summary>Where the response text is in the JSON answer (<c>$.choices[0].text</c>); null takes the whole answer.</summary>
    public string? ResponsePath { get; init; }

    /// <summary>Where the trajectory is in the JSON answer (<c>steps</c>); null when the service gives none.</summary>
    public string? StepsPath { get; init; }
}

/// <summary><c>provider: http</c> — the team's own HTTP service: a POST per datapoint, the response picked by a JSON path.</summary>
internal sealed class HttpProvider : ProviderKind
{
    public override string Name => "http";

    public override string[] Keys => ["url", "headers", "body", "response_path", "steps_path"];

    public override ModelConfig Read(YamlMap model, SuiteReadContext context)
    {
        var url = SpecReader.ReadUrl(model, "url") ?? throw new SuiteException(model.Here with { Field = model.Join("url") }, "'url' is required: the endpoint to POST each datapoint to");
        var body = model.Node("body") is { } node ? YamlJson.FromNode(node, model.LocationOf("body")) : null;
        var templates = new List<(JsonNode Node, PromptTemplate Template)>();
        if (body is not null)
        {
            try
            {
                HttpGenerator.CollectTemplates(body, templates);
            }
            catch (FormatException ex)
            {
                throw model.Error("body", ex.Message);
            }
        }

        // A header whose name says it is a credential (Authorization, api-key, Cookie...) is a secret; the others
        // (Accept, Content-Type...) are shown as they are.
        var headers = model.StringMap("headers", name => Settings.LooksSecret(name) ? Secrecy.SecretVariables : Secrecy.ByVariableName) ?? new Dictionary<string, string>();
        foreach (var (name, value) in headers)
        {
            if (Settings.LooksSecret(name))
            {
                model.Settings.AddSecretsOfHeader(value);
            }
        }

        return new ModelConfig
        {
            Name = model.String("name") ?? "http",
            Provider = Name,
            Options = new HttpOptions
            {
                Url = url,
                Headers = headers,
                Body = body,
                BodyTemplates = [.. templates.Select(t => t.Template.At(model.LocationOf("body")))],
                ResponsePath = ModelReader.ReadResponsePath(model),
                StepsPath = ModelReader.ReadStepsPath(model),
            },
        };
    }

    public override Generator CreateGenerator(ModelConfig config, RunServices services) =>
        new HttpGenerator(config, (HttpOptions)config.Options!, services.Settings, services.Http);
}

/// <summary>The system under test is an HTTP service: one POST per datapoint, the response picked from the answer by a JSON path.</summary>
internal sealed class HttpGenerator : Generator
{
    private readonly HttpOptions _options;
    private readonly HttpClient _http;
    private readonly JsonPath? _responsePath;
    private readonly JsonPath? _stepsPath;

    public HttpGenerator(ModelConfig config, HttpOptions options, Settings settings, HttpClient http)
        : base(config, settings)
    {
        _options = options;
        _http = http;
        _responsePath = options.ResponsePath is null ? null : JsonPath.Parse(options.ResponsePath);
        _stepsPath = options.StepsPath is null ? null : JsonPath.Parse(options.StepsPath);
    }

    /// <summary>Parses every string in a body as a template; throws <see cref="FormatException"/> for a bad one.</summary>
    public static void CollectTemplates(JsonNode node, List<(JsonNode Node, PromptTemplate Template)> templates)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    if (child is not null)
                    {
                        CollectTemplates(child, templates);
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    if (child is not null)
                    {
                        CollectTemplates(child, templates);
                    }
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                templates.Add((value, PromptTemplate.Parse(text, "body", allowResponse: false)));
                break;
        }
    }

    protected override async Task<Output> GenerateCoreAsync(Datapoint datapoint, string? prompt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url);
        foreach (var (name, value) in _options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Content = new ByteArrayContent(_options.Body is null ? DatapointJson.ToUtf8(datapoint, prompt) : RenderBody(datapoint));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);

        // The answer is read as it streams and only run.max_output_bytes of it is kept.
        using var body = new CappedOutputStream(MaxOutputBytes);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await stream.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
        }

        var (text, sha256) = body.Result();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"POST {Redactor.ShowUrl(_options.Url)} answered {(int)response.StatusCode} {response.ReasonPhrase}: {(text.Length > 500 ? text[..500] + "…" : text)}");
        }

        if (_responsePath is null)
        {
            return new Output(text) { CutSha256 = sha256 };
        }

        if (sha256 is not null)
        {
            throw new InvalidOperationException(
                $"POST {Redactor.ShowUrl(_options.Url)} answered {body.Length} bytes, more than run.max_output_bytes ({MaxOutputBytes}); response_path needs the whole JSON");
        }

        using var document = JsonDocument.Parse(text);
        return new Output(_responsePath.SelectText(document.RootElement))
        {
            Steps = _stepsPath is null ? null : ModelReader.ReadSteps(_stepsPath, document.RootElement),
        };
    }

    private byte[] RenderBody(Datapoint datapoint)
    {
        // Values are set as JSON strings, never spliced into JSON text, so dataset text cannot break the body.
        var body = _options.Body!.DeepClone();
        var rendered = new List<(JsonNode Node, PromptTemplate Template)>();
        CollectTemplates(body, rendered);
        foreach (var (node, template) in rendered)
        {
            node.ReplaceWith(JsonValue.Create(template.Render(datapoint)));
        }

        return JsonSerializer.SerializeToUtf8Bytes(body);
    }
}
