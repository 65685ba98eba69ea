namespace EvalRunner.Runs;

/// <summary>
/// Concurrency that follows what the provider admits. A rate-limited answer halves the number of calls allowed at
/// once (never below one) — once per wave: a 429 to a call admitted before the last cut was already answered by it
/// (calls outside a run's rows fall back to at most one cut a second). Every run of successes gives one back, up to
/// the configured concurrency. A row that waits to retry gives its slot back meanwhile
/// (<see cref="PauseAsync"/>), so a provider that admits 8 calls at once sees about 8, not the rows' retries on top.
/// </summary>
internal sealed class AdaptiveLimiter(int maximum, TimeProvider time)
{
    private static readonly AsyncLocal<Slot?> Held = new();
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _waiting = new();
    private readonly int _maximum = maximum;
    private int _limit = maximum;
    private int _lowest = maximum;
    private int _running;
    private int _successes;
    private int _epoch;
    private DateTimeOffset _lastCut = DateTimeOffset.MinValue;

    /// <summary>One row's place among the calls allowed at once.</summary>
    public sealed class Slot(AdaptiveLimiter limiter)
    {
        public AdaptiveLimiter Limiter { get; } = limiter;

        /// <summary>The number of cuts before this slot was admitted.</summary>
        public int Epoch { get; set; }

        public bool Holding { get; set; }
    }

    /// <summary>The slot of the row this code runs for, set by the run around each row.</summary>
    public static Slot? Current
    {
        get => Held.Value;
        set => Held.Value = value;
    }

    /// <summary>The calls allowed at once now.</summary>
    public int Limit
    {
        get
        {
            lock (_lock)
            {
                return _limit;
            }
        }
    }

    /// <summary>The fewest calls that were allowed at once.</summary>
    public int Lowest
    {
        get
        {
            lock (_lock)
            {
                return _lowest;
            }
        }
    }

    public async Task<Slot> WaitAsync(CancellationToken cancellationToken)
    {
        var slot = new Slot(this);
        await EnterAsync(slot, cancellationToken).ConfigureAwait(false);
        return slot;
    }

    /// <summary>Gives a slot back; a slot already given back (by a pause that was cancelled) is ignored.</summary>
    public void Release(bool succeeded, Slot? slot = null)
    {
        lock (_lock)
        {
            if (slot is not null)
            {
                if (!slot.Holding)
                {
                    return;
                }

                slot.Holding = false;
            }

            _running--;
            if (succeeded && ++_successes >= _limit && _limit < _maximum)
            {
                _limit++;
                _successes = 0;
            }

            Admit();
        }
    }

    public void RateLimited()
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (Current is { } slot && slot.Limiter == this)
            {
                if (slot.Epoch != _epoch)
                {
                    return;
                }
            }
            else if (now - _lastCut < TimeSpan.FromSeconds(1))
            {
                return;
            }

            _epoch++;
            _lastCut = now;
            _limit = Math.Max(1, _limit / 2);
            _lowest = Math.Min(_lowest, _limit);
            _successes = 0;
        }
    }

    /// <summary>Waits <paramref name="delay"/> before a retry; the current row's slot is given back meanwhile and taken again after.</summary>
    public static async Task PauseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (Current is not { Holding: true } slot)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return;
        }

        slot.Limiter.Release(succeeded: false, slot);
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }

        await slot.Limiter.EnterAsync(slot, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnterAsync(Slot slot, CancellationToken cancellationToken)
    {
        TaskCompletionSource turn;
        lock (_lock)
        {
            if (_running < _limit)
            {
                _running++;
                slot.Epoch = _epoch;
                slot.Holding = true;
                return;
            }

            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(turn);
        }

        try
        {
            await turn.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_lock)
            {
                // Admitted just as it was cancelled: the place goes to the next in line.
                if (!turn.TrySetCanceled(cancellationToken))
                {
                    _running--;
                    Admit();
                }
            }

            throw;
        }

        lock (_lock)
        {
            slot.Epoch = _epoch;
            slot.Holding = true;
        }
    }

    private void Admit()
    {
        while (_running < _limit && _waiting.TryDequeue(out var next))
        {
            if (next.TrySetResult())
            {
                _running++;
            }
        }
    }
}
