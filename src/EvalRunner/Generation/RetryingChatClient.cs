using Microsoft.Extensions.AI;

namespace EvalRunner.Generation;

/// <summary>A chat client whose calls get the run's retries and request timeout (<see cref="ProviderCalls"/>).</summary>
internal sealed class RetryingChatClient(IChatClient inner, ProviderCalls calls, IDisposable? owned = null) : DelegatingChatClient(inner)
{
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyCollection<ChatMessage> ?? [.. messages];
        return calls.SendAsync(token => base.GetResponseAsync(list, options?.Clone(), token), cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            owned?.Dispose();
        }

        base.Dispose(disposing);
    }
}
