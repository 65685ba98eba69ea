namespace EvalRunner.Online;

/// <summary>Where logs pushed to the watcher go: a bounded queue in front of the online evaluators.</summary>
internal interface ILogIntake
{
    /// <summary>
    /// Takes <paramref name="logs"/> as one batch: true once they are stored durably (a restart will evaluate them),
    /// false when the queue is full and nothing was taken (the caller answers 429 with Retry-After).
    /// </summary>
    ValueTask<bool> TryAcceptAsync(IReadOnlyList<IncomingLog> logs, CancellationToken cancellationToken);
}
