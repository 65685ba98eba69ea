namespace EvalRunner.Online;

/// <summary>What became of a batch of pushed logs.</summary>
internal enum IntakeResult
{
    /// <summary>Every log is stored durably (a restart will evaluate it).</summary>
    Stored,

    /// <summary>The queue has no room for the batch now; nothing was taken (answered 429 with Retry-After).</summary>
    Full,

    /// <summary>The batch holds more new logs than the queue can ever hold; nothing was taken (answered 413 with the limit).</summary>
    TooMany,
}
