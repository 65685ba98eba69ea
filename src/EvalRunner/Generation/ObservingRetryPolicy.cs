using System.ClientModel.Primitives;

namespace EvalRunner.Generation;

/// <summary>The OpenAI SDK's own retry policy (exponential backoff with jitter, Retry-After), telling the run about each 429.</summary>
internal sealed class ObservingRetryPolicy(int retries, Action? onRateLimited) : ClientRetryPolicy(retries)
{
    protected override void OnRequestSent(PipelineMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Observe(message);
        base.OnRequestSent(message);
    }

    protected override ValueTask OnRequestSentAsync(PipelineMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Observe(message);
        return base.OnRequestSentAsync(message);
    }

    private void Observe(PipelineMessage message)
    {
        if (message.Response?.Status == 429)
        {
            onRateLimited?.Invoke();
        }
    }
}
