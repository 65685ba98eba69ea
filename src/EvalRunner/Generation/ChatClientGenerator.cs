using EvalRunner.Caching;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation;

/// <summary>Generation through a Microsoft.Extensions.AI <see cref="IChatClient"/> (OpenAI, Azure OpenAI, Ollama, Anthropic).</summary>
/// <remarks>
/// With MCP servers (<paramref name="mcp"/>), their tools are listed at the first generation (the servers started
/// then) and offered beside the config's own; in replay (<paramref name="cache"/> in replay mode) no server is started
/// for this: the tools with canned results are offered by name, and a server starts only for a call that has none.
/// </remarks>
internal sealed class ChatClientGenerator(ModelConfig config, Settings settings, IChatClient client, string title, Caching.FileResponseCache? cache = null, McpToolbox? mcp = null) : Generator(config, settings)
{
    private readonly ChatOptions _options = new()
    {
        ModelId = config.Model,
        Temperature = (float?)config.Temperature,
        MaxOutputTokens = config.MaxTokens,
    };

    // With tools, Microsoft.Extensions.AI runs the loop: each model call is recorded under it, each tool call by the tool.
    private readonly IChatClient _client = !config.HasTools ? client : new FunctionInvokingChatClient(new StepRecordingChatClient(client))
    {
        MaximumIterationsPerRequest = config.MaxSteps + 1,
        MaximumConsecutiveErrorsPerRequest = int.MaxValue,
        IncludeDetailedErrors = true,
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

        if (Config.HasTools)
        {
            return await GenerateWithToolsAsync(datapoint, messages, cancellationToken).ConfigureAwait(false);
        }

        var response = await _client.GetResponseAsync(messages, _options.Clone(), cancellationToken).ConfigureAwait(false);
        var cached = response.AdditionalProperties?.ContainsKey(Caching.CachedChatClient.CacheHit) == true;
        var refusal = ChatAnswers.RefusalOf(response);
        return new Output(refusal ?? response.Text, response.ModelId, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount, cached)
        {
            Status = StatusOf(response, refusal),
        };
    }

    /// <summary>
    /// The tool loop, at most <see cref="ModelConfig.MaxSteps"/> model calls: its trajectory, and its final answer;
    /// when the model was still calling tools at the end, the status <see cref="LogStatus.MaxSteps"/> and no answer.
    /// </summary>
    private async Task<Output> GenerateWithToolsAsync(Datapoint datapoint, List<ChatMessage> messages, CancellationToken cancellationToken)
    {
        var run = new AgentRun(datapoint, MaxOutputBytes, Config.MaxSteps);
        using var scope = run.Enter();
        var options = _options.Clone();
        var toolCache = cache is { Mode: not Caching.CacheMode.Off } ? cache : null;
        options.Tools = [.. Config.Tools.Select(t => new AgentTool(t, Config.ToolResults, Config.WorkingDirectory, MaxOutputBytes, toolCache))];
        if (mcp is not null)
        {
            // In replay: the tools the servers listed on the last live run, kept with the cache, else those with canned
            // results by name; no server is started for either.
            var served = cache is { Mode: Caching.CacheMode.Replay }
                ? await mcp.CachedToolsAsync(cancellationToken).ConfigureAwait(false) ?? mcp.Deferred(Config.ToolResults.Concat(datapoint.ToolResults).Select(r => r.Name))
                : await mcp.ToolsAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (tool, call) in served)
            {
                options.Tools.Add(new AgentTool(tool, Config.ToolResults, Config.WorkingDirectory, MaxOutputBytes, toolCache, call));
            }
        }

        var response = await _client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        if (run.CacheMiss is { } miss)
        {
            throw new Caching.CacheMissException(miss);
        }

        var steps = run.Steps(response.Messages);
        var cached = steps.Count > 0 && response.AdditionalProperties?.ContainsKey(Caching.CachedChatClient.CacheHit) == true;
        var refusal = ChatAnswers.RefusalOf(response);
        var endedAsking = run.EndedAsking;
        var text = endedAsking ? string.Empty : refusal ?? response.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant)?.Text ?? string.Empty;
        return new Output(text, response.ModelId, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount, cached)
        {
            Status = endedAsking ? LogStatus.MaxSteps : StatusOf(response, refusal),
            Steps = steps,
        };
    }

    /// <summary>How the answer ended when it is not complete: cut at the token limit, refused, or filtered.</summary>
    private static LogStatus? StatusOf(ChatResponse response, string? refusal) =>
        refusal is not null ? LogStatus.Refused
        : response.FinishReason == ChatFinishReason.Length ? LogStatus.Truncated
        : response.FinishReason == ChatFinishReason.ContentFilter ? LogStatus.Filtered
        : null;

    protected override string Describe(Exception exception) => exception is McpServerException ? exception.Message :
        $"{title} endpoint {(Config.BaseUrl is { } url ? Redactor.ShowUrl(url) : "(default)")}: {base.Describe(exception)}";

    public override void Dispose()
    {
        _client.Dispose();
        mcp?.Dispose();
        base.Dispose();
    }
}
