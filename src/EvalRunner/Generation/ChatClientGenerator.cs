using EvalRunner.Caching;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation;

/// <summary>Generation through a Microsoft.Extensions.AI <see cref="IChatClient"/> (OpenAI, Azure OpenAI, Ollama, Anthropic).</summary>
internal sealed class ChatClientGenerator(ModelConfig config, Settings settings, IChatClient client, string title) : Generator(config, settings)
{
    private readonly ChatOptions _options = new()
    {
        ModelId = config.Model,
        Temperature = (float?)config.Temperature,
        MaxOutputTokens = config.MaxTokens,
    };

    protected override async Task<Output> GenerateCoreAsync(Datapoint datapoint, string? prompt, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>(datapoint.Messages.Count + 1);
        if (Config.SystemPrompt is { } system)
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        messages.AddRange(datapoint.Messages);
        if (prompt is not null)
        {
            var last = messages.FindLastIndex(m => m.Role == ChatRole.User);
            if (last >= 0)
            {
                messages[last] = new ChatMessage(ChatRole.User, prompt);
            }
            else
            {
                messages.Add(new ChatMessage(ChatRole.User, prompt));
            }
        }

        var response = await client.GetResponseAsync(messages, _options.Clone(), cancellationToken).ConfigureAwait(false);
        var cached = response.AdditionalProperties?.ContainsKey(Caching.CachedChatClient.CacheHit) == true;
        var refusal = ChatAnswers.RefusalOf(response);
        return new Output(refusal ?? response.Text, response.ModelId, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount, cached)
        {
            Status = StatusOf(response, refusal),
        };
    }

    /// <summary>How the answer ended when it is not complete: cut at the token limit, refused, or filtered.</summary>
    private static LogStatus? StatusOf(ChatResponse response, string? refusal) =>
        refusal is not null ? LogStatus.Refused
        : response.FinishReason == ChatFinishReason.Length ? LogStatus.Truncated
        : response.FinishReason == ChatFinishReason.ContentFilter ? LogStatus.Filtered
        : null;

    protected override string Describe(Exception exception) =>
        $"{title} endpoint {(Config.BaseUrl is { } url ? Redactor.ShowUrl(url) : "(default)")}: {base.Describe(exception)}";

    public override void Dispose()
    {
        client.Dispose();
        base.Dispose();
    }
}
