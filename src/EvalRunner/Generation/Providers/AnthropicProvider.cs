using System.ClientModel;
using System.Text.RegularExpressions;
using Anthropic;
using Anthropic.Core;
using Anthropic.Exceptions;
using EvalRunner.Yaml;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation.Providers;

/// <summary>
/// <c>provider: anthropic</c> — Anthropic's Messages API through its official SDK and the SDK's <see cref="IChatClient"/>.
/// The SDK's own retries are off: the run retries, after <see cref="Classify"/> has said what each failure means.
/// </summary>
internal sealed partial class AnthropicProvider : ChatProviderKind
{
    /// <summary>The output token limit when the suite gives none: the Messages API requires one.</summary>
    private const int DefaultMaxTokens = 4096;

    public override string Name => "anthropic";

    /// <summary>Anthropic has no embeddings API.</summary>
    public override ProviderCapabilities Capabilities => ProviderCapabilities.Chat;

    protected override string Title => "Anthropic";

    protected override string ModelHint => "the model name, for example claude-sonnet-4-5";

    protected override string? KeyVariable => "ANTHROPIC_API_KEY";

    protected override void Validate(YamlMap model, Uri? baseUrl, string? apiKey)
    {
        // A custom base URL may be a gateway that holds the key itself.
        if (apiKey is null && baseUrl is null)
        {
            throw NoApiKey(model);
        }
    }

    protected override IChatClient CreateClient(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup)
    {
        // The SDK's exceptions carry the status and the error body but not the headers: the HTTP client keeps each
        // failed answer so that Classify sees the wait a 429 asks for.
        var http = AnswerRecorder.CreateClient(setup.Time);
        var options = new ClientOptions
        {
            ApiKey = config.ApiKey ?? "no-key",
            HttpClient = http,
            MaxRetries = 0,
            Timeout = setup.RequestTimeout,
        };
        if (config.BaseUrl is { } url)
        {
            options.BaseUrl = url.ToString().TrimEnd('/');
        }

        return WithRunRetries(new AnthropicClient(options).AsIChatClient(model, config.MaxTokens ?? DefaultMaxTokens), setup, http);
    }

    // Never called: a suite whose embedding model is anthropic is refused when it is read (Capabilities).
    protected override IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddings(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup) =>
        throw new InvalidOperationException("provider anthropic has no embeddings");

    /// <summary>
    /// Anthropic's errors: 429 <c>rate_limit_error</c> is a rate limit (with its <c>retry-after</c>), 529
    /// <c>overloaded_error</c> and 5xx are server faults, 401/403 are the key's, a 400 <c>invalid_request_error</c>
    /// that says the prompt is too long is the context length, another 400 a bad request.
    /// </summary>
    public override ProviderError? Classify(ProviderFailure failure)
    {
        switch (failure.Exception)
        {
            case AnthropicApiException api:
                var status = (int)api.StatusCode;
                var (code, message) = string.IsNullOrWhiteSpace(api.ResponseBody) ? (null, null) : HttpAnswer.ErrorOf(api.ResponseBody, null);
                code ??= failure.Answer?.Code;
                message ??= failure.Answer?.Message ?? HttpAnswer.Short(api.Message);
                var error = ProviderError.FromStatus(status, code, message, failure.Answer?.RetryAfter);
                return error.Kind switch
                {
                    FaultKind.BadRequest when message is not null && ContextLength().IsMatch(message) => error with { Kind = FaultKind.ContextLength },
                    _ when code == "overloaded_error" => error with { Kind = FaultKind.ServerError },
                    _ => error,
                };
            case AnthropicInvalidDataException invalid:
                return new ProviderError { Kind = FaultKind.Unusable, Status = 200, Detail = HttpAnswer.Short(invalid.Message) };
            case AnthropicIOException io:
                return new ProviderError { Kind = FaultKind.ServerError, Detail = HttpAnswer.Short(io.Message) };
            default:
                return base.Classify(failure);
        }
    }

    [GeneratedRegex("prompt is too long|context (length|limit|window)|too many (input )?tokens", RegexOptions.IgnoreCase)]
    private static partial Regex ContextLength();
}
