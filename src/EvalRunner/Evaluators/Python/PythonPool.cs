using System.Text.Json;

namespace EvalRunner.Evaluators.Python;

/// <summary>
/// The worker processes of one <c>python</c> evaluator in a run: up to <c>workers:</c> of them, each pipelined
/// (<see cref="PythonWorker"/>). A call goes to the least loaded worker; a new process starts only when every running
/// one is busy and the evaluator has answered since its last crash, so a file that cannot run never multiplies its
/// processes. After <see cref="MaxCrashes"/> crashes in a row the evaluator is dead: every later call fails at once
/// with the last crash, instead of starting a process per datapoint.
/// </summary>
internal sealed class PythonPool(string python, PythonSource source, string directory, TimeSpan timeout, int size) : IAsyncDisposable
{
    /// <summary>Crashes in a row after which no worker is started again.</summary>
    public const int MaxCrashes = 3;

    private readonly Lock _lock = new();
    private readonly List<PythonWorker> _workers = [];
    private int _crashes;
    private bool _answered;
    private string? _dead;

    /// <summary>The processes this pool may run at once.</summary>
    public int Size { get; } = Math.Max(1, size);

    /// <summary>Calls <c>main(**args)</c> and returns its dict.</summary>
    /// <exception cref="PythonEvaluatorException">The function raised, the call timed out, or the workers died.</exception>
    public async Task<JsonElement> CallAsync(object args, CancellationToken cancellationToken)
    {
        var argsJson = JsonSerializer.Serialize(args);
        while (true)
        {
            var worker = Pick();
            JsonElement response;
            try
            {
                response = await worker.CallAsync(argsJson, cancellationToken).ConfigureAwait(false);
            }
            catch (PythonWorkerExit exit) when (exit.Resend)
            {
                // The call never ran: its process ended under it. It goes to a new process, unless the evaluator is dead.
                continue;
            }
            catch (PythonWorkerExit exit)
            {
                // The call the process died in: the crash is its error, or the evaluator's death when this was the last.
                throw DeadOr(exit.Crash);
            }

            lock (_lock)
            {
                // The worker answered: it is alive, whatever main() did.
                _crashes = 0;
                _answered = true;
            }

            if (response.GetProperty("ok").GetBoolean())
            {
                return response.GetProperty("result");
            }

            throw new PythonEvaluatorException(
                response.GetProperty("error").GetString() + "\n" + response.GetProperty("traceback").GetString()?.TrimEnd());
        }
    }

    private PythonWorker Pick()
    {
        lock (_lock)
        {
            if (_dead is not null)
            {
                throw new PythonEvaluatorException(_dead);
            }

            var least = _workers.OrderBy(w => w.Load).ThenBy(w => w.IsRunning ? 0 : 1).FirstOrDefault();
            if (least is null || (least.Load > 0 && _workers.Count < Size && _answered))
            {
                least = new PythonWorker(python, source, directory, timeout, this);
                _workers.Add(least);
            }

            return least;
        }
    }

    /// <summary>Counts a crash of a worker process; the last allowed one makes the evaluator dead.</summary>
    internal void Crashed(PythonEvaluatorException crash)
    {
        lock (_lock)
        {
            _answered = false;
            if (++_crashes >= MaxCrashes)
            {
                _dead ??= $"the Python worker died {_crashes} times in a row and is not started again in this run; the last time: {crash.Message}";
            }
        }
    }

    /// <summary>Throws when the evaluator is dead: no worker may start.</summary>
    internal void ThrowIfDead()
    {
        lock (_lock)
        {
            if (_dead is not null)
            {
                throw new PythonEvaluatorException(_dead);
            }
        }
    }

    private PythonEvaluatorException DeadOr(PythonEvaluatorException crash)
    {
        lock (_lock)
        {
            return _dead is null ? crash : new PythonEvaluatorException(_dead);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<PythonWorker> workers;
        lock (_lock)
        {
            workers = [.. _workers];
        }

        await Task.WhenAll(workers.Select(w => w.DisposeAsync().AsTask())).ConfigureAwait(false);
    }
}
