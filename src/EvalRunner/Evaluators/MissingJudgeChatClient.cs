using Microsoft.Extensions.AI;

namespace EvalRunner.Evaluators;

/// <summary>
/// The chat client an evaluator from Microsoft.Extensions.AI.Evaluation gets when the suite has no <c>judge:</c>:
/// evaluators that never call it work, and one that does fails its evaluation with how to fix the suite.
/// </summary>
internal sealed class MissingJudgeChatClient : IChatClient
{
    public const string Message = "needs a judge model: add a top-level 'judge:' to the suite (provider, model, ...)";

    public static MissingJudgeChatClient Instance { get; } = new();

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException(Message);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException(Message);

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
        // Nothing to release.
    }
}
