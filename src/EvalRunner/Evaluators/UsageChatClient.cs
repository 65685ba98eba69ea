using EvalRunner.Generation;
using Microsoft.Extensions.AI;

namespace EvalRunner.Evaluators;

/// <summary>
/// Wraps a judge's client for one evaluation and sums the tokens of its responses; answers from the response cache
/// are counted as tokens and as cache hits, but not as paid. Every judge (the <c>llm</c> kind and evaluators from
/// Microsoft.Extensions.AI.Evaluation) counts through it. Never dispose it: that would dispose the run's client.
/// </summary>
internal sealed class UsageChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    private long _inputTokens;
    private long _outputTokens;
    private long _paidInputTokens;
    private long _paidOutputTokens;
    private long _cacheHits;

    public long InputTokens => Interlocked.Read(ref _inputTokens);

    public long OutputTokens => Interlocked.Read(ref _outputTokens);

    public long PaidInputTokens => Interlocked.Read(ref _paidInputTokens);

    public long PaidOutputTokens => Interlocked.Read(ref _paidOutputTokens);

    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>What the paid tokens cost for <paramref name="model"/> by <paramref name="prices"/>, in USD; 0 without a price.</summary>
    public double CostUsd(PriceTable? prices, string? model) => Math.Round(prices?.Cost(model, PaidInputTokens, PaidOutputTokens) ?? 0, 8);

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        Count(response.Usage, response.AdditionalProperties?.ContainsKey(Caching.CachedChatClient.CacheHit) == true);
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            foreach (var usage in update.Contents.OfType<UsageContent>())
            {
                Count(usage.Details, cacheHit: false);
            }

            yield return update;
        }
    }

    private void Count(UsageDetails? usage, bool cacheHit)
    {
        var input = usage?.InputTokenCount ?? 0;
        var output = usage?.OutputTokenCount ?? 0;
        Interlocked.Add(ref _inputTokens, input);
        Interlocked.Add(ref _outputTokens, output);
        if (cacheHit)
        {
            Interlocked.Increment(ref _cacheHits);
        }
        else
        {
            Interlocked.Add(ref _paidInputTokens, input);
            Interlocked.Add(ref _paidOutputTokens, output);
        }
    }
}
