namespace EvalRunner.Runs;

/// <summary>
/// Concurrency that backs off when the provider keeps answering 429: each rate-limited answer halves the number of
/// calls allowed at once (at most once a second, never below one); every run of successes gives one back, up to the
/// configured concurrency.
/// </summary>
internal sealed class AdaptiveLimiter(int maximum, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _waiting = new();
    private readonly int _maximum = maximum;
    private int _limit = maximum;
    private int _running;
    private int _successes;
    private DateTimeOffset _lastCut = DateTimeOffset.MinValue;

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

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource? turn = null;
        lock (_lock)
        {
            if (_running < _limit)
            {
                _running++;
                return;
            }

            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(turn);
        }

        await turn.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Release(bool succeeded)
    {
        lock (_lock)
        {
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
            if (now - _lastCut < TimeSpan.FromSeconds(1))
            {
                return;
            }

            _lastCut = now;
            _limit = Math.Max(1, _limit / 2);
            _successes = 0;
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
