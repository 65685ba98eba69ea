using EvalRunner.Online;

namespace EvalRunner.Tests.Online;

/// <summary>A log intake that keeps what it takes, up to <see cref="Capacity"/> logs waiting; <see cref="Drain"/> empties the queue.</summary>
internal sealed class BoundedIntake(int capacity = int.MaxValue) : ILogIntake
{
    private readonly Lock _lock = new();
    private readonly List<IncomingLog> _taken = [];
    private int _waiting;

    public int Capacity { get; } = capacity;

    public IReadOnlyList<IncomingLog> Taken
    {
        get
        {
            lock (_lock)
            {
                return [.. _taken];
            }
        }
    }

    public ValueTask<IntakeResult> AcceptAsync(IReadOnlyList<IncomingLog> logs, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (logs.Count > Capacity)
            {
                return ValueTask.FromResult(IntakeResult.TooMany);
            }

            if (_waiting + logs.Count > Capacity)
            {
                return ValueTask.FromResult(IntakeResult.Full);
            }

            _waiting += logs.Count;
            _taken.AddRange(logs);
            return ValueTask.FromResult(IntakeResult.Stored);
        }
    }

    /// <summary>The waiting logs were evaluated: the queue has room again.</summary>
    public void Drain()
    {
        lock (_lock)
        {
            _waiting = 0;
        }
    }
}
