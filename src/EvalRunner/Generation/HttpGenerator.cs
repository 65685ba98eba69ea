using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Datasets;
using EvalRunner.Templates;

namespace EvalRunner.Generation;

/// <summary>The system under test is an HTTP service: one POST per datapoint, the response picked from the answer by a JSON path.</summary>
internal sealed class HttpGenerator : Generator
{
    private readonly HttpClient _http;
    private readonly JsonPath? _responsePath;

    public HttpGenerator(ModelConfig config, Settings settings, HttpClient http)
        : base(config, settings)
    {
        _http = http;
        _responsePath = config.ResponsePath is null ? null : JsonPath.Parse(config.ResponsePath);
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
        using var request = new HttpRequestMessage(HttpMethod.Post, Config.Url);
        foreach (var (name, value) in Config.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Content = new ByteArrayContent(Config.Body is null ? DatapointJson.ToUtf8(datapoint, prompt) : RenderBody(datapoint));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"POST {Redactor.ShowUrl(Config.Url!)} answered {(int)response.StatusCode} {response.ReasonPhrase}: {(text.Length > 500 ? text[..500] + "…" : text)}");
        }

        if (_responsePath is null)
        {
            return new Output(text);
        }

        using var document = JsonDocument.Parse(text);
        return new Output(_responsePath.SelectText(document.RootElement));
    }

    private byte[] RenderBody(Datapoint datapoint)
    {
        // Values are set as JSON strings, never spliced into JSON text, so dataset text cannot break the body.
        var body = Config.Body!.DeepClone();
        var rendered = new List<(JsonNode Node, PromptTemplate Template)>();
        CollectTemplates(body, rendered);
        foreach (var (node, template) in rendered)
        {
            node.ReplaceWith(JsonValue.Create(template.Render(datapoint)));
        }

        return JsonSerializer.SerializeToUtf8Bytes(body);
    }
}
