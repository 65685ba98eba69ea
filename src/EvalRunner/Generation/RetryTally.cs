
using EvalRunner.Logs;

namespace EvalRunner.Generation;

/// <summary>Counts a run's retries by cause, from any thread.</summary>
internal sealed class RetryTally
{
    private readonly int[] _counts = new int[4];

    public void Add(RetryCause cause) => Interlocked.Increment(ref _counts[(int)cause]);

    public RetryCounts Snapshot() => new()
    {
        RateLimit = Volatile.Read(ref _counts[(int)RetryCause.RateLimit]),
        ServerError = Volatile.Read(ref _counts[(int)RetryCause.ServerError]),
        Timeout = Volatile.Read(ref _counts[(int)RetryCause.Timeout]),
        Unusable = Volatile.Read(ref _counts[(int)RetryCause.Unusable]),
    };
}
