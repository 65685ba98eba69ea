namespace EvalRunner.Online;

/// <summary>Where logs pushed to the watcher go: a bounded queue in front of the online evaluators.</summary>
internal interface ILogIntake
{
    /// <summary>The most logs the queue holds: a batch with more new logs than this is never taken.</summary>
    int Capacity { get; }

    /// <summary>
    /// Takes <paramref name="logs"/> as one batch: <see cref="IntakeResult.Stored"/> once they are stored durably,
    /// else nothing was taken and the result says whether sending again later can help.
    /// </summary>
    ValueTask<IntakeResult> AcceptAsync(IReadOnlyList<IncomingLog> logs, CancellationToken cancellationToken);

    /// <summary>
    /// The folder where the watcher keeps its state (its checkpoint and inbox), or null when it keeps none: what the
    /// listener holds that is not a log yet (GenAI calls waiting for their other parts) is kept there across restarts.
    /// </summary>
    string? StateDirectory => null;

    /// <summary><paramref name="text"/> as it may be written to the state folder: the secrets the watcher knows masked.</summary>
    string Redact(string text) => text;
}
