using System.Runtime.ExceptionServices;

namespace EvalRunner.Generation;

/// <summary>
/// The run's retries around the calls of a client that does not retry itself (an SDK other than the OpenAI client
/// library, with its own retries off): each try gets <see cref="ClientSetup.RequestTimeout"/>, each failure goes
/// through the provider's <see cref="ProviderKind.Classify"/> and <see cref="RetryBudget"/> decides what follows.
/// </summary>
internal sealed class ProviderCalls(Func<ProviderFailure, ProviderError?> classify, ClientSetup setup)
{
    public async Task<T> SendAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var budget = new RetryBudget(setup);
        while (true)
        {
            var slot = AnswerRecorder.Begin();
            Exception failure;
            using (var timer = new CancellationTokenSource(setup.RequestTimeout, setup.Time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token))
            {
                try
                {
                    return await call(linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ProviderException)
                {
                    failure = timer.IsCancellationRequested
                        ? new TimeoutException($"no answer within run.request_timeout ({setup.RequestTimeout.TotalSeconds:0.###} s)", ex)
                        : ex;
                }
            }

            var error = classify(new ProviderFailure { Exception = failure, Answer = slot.Answer, Time = setup.Time });
            if (error is null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }

            var delay = budget.Next(error, failure);
            await setup.WaitBeforeRetry(delay, cancellationToken).ConfigureAwait(false);
        }
    }
}
