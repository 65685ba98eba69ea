using Microsoft.Extensions.AI;

namespace EvalRunner.Caching;

/// <summary>
/// Microsoft.Extensions.AI's distributed caching over a <see cref="FileResponseCache"/>, keyed also by the provider,
/// the endpoint's host and a cache version (never by a secret), marking each answer it served from the cache.
/// </summary>
internal sealed class CachedChatClient : DistributedCachingChatClient
{
    /// <summary>The <see cref="ChatResponse.AdditionalProperties"/> key set on answers that came from the cache.</summary>
    public const string CacheHit = "evalrunner.cache_hit";

    public CachedChatClient(IChatClient inner, FileResponseCache cache, params string[] keyValues)
        : base(cache.Mode == CacheMode.Replay ? new ReplayMissClient() : inner, cache)
    {
        CacheKeyAdditionalValues = ["evalrunner-cache-v1", .. keyValues];
    }

    /// <summary>
    /// Microsoft.Extensions.AI's key, unchanged for trial 1 (a cache written by a run without <c>repeat</c> still
    /// answers); a later trial of a repeated run adds its number, so its call is asked and stored on its own.
    /// </summary>
    protected override string GetCacheKey(IEnumerable<ChatMessage> messages, ChatOptions? options, params ReadOnlySpan<object?> additionalValues)
    {
        var trial = CacheTrial.Current;
        if (trial == 1)
        {
            return base.GetCacheKey(messages, options, additionalValues);
        }

        object?[] values = [.. additionalValues, $"trial:{trial}"];
        return base.GetCacheKey(messages, options, values);
    }

    /// <summary>
    /// The cached answer, or null (a miss): an entry whose response does not read as a chat response, or holds no
    /// message (a hand edit, a bad merge), is never an answer and never an error.
    /// </summary>
    protected override async Task<ChatResponse?> ReadCacheAsync(string key, CancellationToken cancellationToken)
    {
        ChatResponse? response;
        try
        {
            response = await base.ReadCacheAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            response = null;
        }

        if (response is { Messages.Count: 0 })
        {
            response = null;
        }

        if (response is not null)
        {
            response.AdditionalProperties ??= [];
            response.AdditionalProperties[CacheHit] = true;
        }

        return response;
    }

    /// <summary>
    /// Stores only complete answers: one cut at the token limit, refused or filtered is never served later as if it
    /// were normal; the next run asks the provider again.
    /// </summary>
    protected override Task WriteCacheAsync(string key, ChatResponse value, CancellationToken cancellationToken) =>
        ChatAnswers.IsComplete(value)
            ? base.WriteCacheAsync(key, value, cancellationToken)
            : Task.CompletedTask;

    /// <summary>What answers in replay mode when the cache has nothing: no network call, an explicit error.</summary>
    private sealed class ReplayMissClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new CacheMissException("not in cache (replay mode): this call needs a live run");

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new CacheMissException("not in cache (replay mode): this call needs a live run");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
