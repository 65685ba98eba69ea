using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using CliWrap;
using CliWrap.Buffered;

namespace EvalRunner.Evaluators.Python;

/// <summary>
/// One long-lived Python process at a time that runs an evaluator file's <c>main(...)</c>, spoken to in JSON lines
/// through CliWrap. Calls are pipelined: they are written to the process as they come and answered in order, so the
/// process never waits for the next request. The call at the head of the queue is the one running: its timeout starts
/// when it gets there; past it the process is killed, that call fails and the calls behind it go to a new process.
/// A crash fails the call it happened in (<see cref="PythonWorkerExit"/>); <see cref="PythonPool"/> counts crashes.
/// </summary>
internal sealed class PythonWorker(string python, PythonSource source, string directory, TimeSpan timeout, PythonPool pool) : IAsyncDisposable
{
    private static readonly Lazy<string> Script = new(ExtractScript);
    private readonly SemaphoreSlim _starting = new(1, 1);
    private WorkerProcess? _process;
    private int _load;
    private bool _disposed;

    /// <summary>Calls sent to this worker and not yet answered.</summary>
    public int Load => Volatile.Read(ref _load);

    /// <summary>Whether a process is running (started and not ended).</summary>
    public bool IsRunning => _process is { Exited.IsCompleted: false };

    /// <summary>What the worker reports after loading the file: <c>{"ready": true}</c> or the error and its line.</summary>
    public static async Task<JsonElement> CheckAsync(string python, PythonSource source, string directory, CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap(python)
            .WithArguments([Script.Value, .. source.Arguments, "--check"])
            .WithWorkingDirectory(directory)
            .WithEnvironmentVariables(env => env.Set("PYTHONIOENCODING", "utf-8"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, cancellationToken)
            .ConfigureAwait(false);
        var first = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (first is null)
        {
            throw new InvalidOperationException($"{python} exited with code {result.ExitCode} before loading {source.ShownName}: {result.StandardError.Trim()}");
        }

        using var document = JsonDocument.Parse(first);
        return document.RootElement.Clone();
    }

    /// <summary>Calls <c>main(**args)</c> with the arguments given as a JSON object, and returns the worker's answer.</summary>
    /// <exception cref="PythonEvaluatorException">The file could not be loaded, or the call timed out.</exception>
    /// <exception cref="PythonWorkerExit">The process ended with the call in it.</exception>
    public async Task<JsonElement> CallAsync(string argsJson, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _load);
        try
        {
            var process = await StartAsync(cancellationToken).ConfigureAwait(false);
            var call = process.Send(argsJson);

            // Queued behind other calls, the call is not running yet: its timeout starts at the head of the queue.
            await Task.WhenAny(call.Answer.Task, call.Head.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await call.Answer.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await process.KillAsync(call).ConfigureAwait(false);
                throw new PythonEvaluatorException($"main() did not return within {timeout.TotalSeconds:0.###}s; the worker was restarted", Logs.ErrorKind.Timeout);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _load);
        }
    }

    private async Task<WorkerProcess> StartAsync(CancellationToken cancellationToken)
    {
        if (_process is { Exited.IsCompleted: false } running)
        {
            return running;
        }

        await _starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_process is { Exited.IsCompleted: false } started)
            {
                return started;
            }

            // A process that keeps dying is not started again.
            pool.ThrowIfDead();

            // The ended process is done with: every call in it has been told.
            _process?.Dispose();
            var process = new WorkerProcess(python, source, directory, pool.Crashed);
            _process = process;
            var status = await process.Ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            if (!status.GetProperty("ready").GetBoolean())
            {
                throw new PythonEvaluatorException($"{source.ShownName}: {status.GetProperty("error").GetString()}");
            }

            return process;
        }
        finally
        {
            _starting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _starting.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_process is { } process)
            {
                // Closing stdin ends the worker's loop; a worker stuck in user code is killed after a grace period.
                process.CloseInput();
                if (await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false) != process.Exited)
                {
                    await process.KillAsync(timedOut: null).ConfigureAwait(false);
                }

                process.Dispose();
            }
        }
        finally
        {
            _starting.Release();
        }
    }

    private static string ExtractScript()
    {
        using var resource = typeof(PythonWorker).Assembly.GetManifestResourceStream("EvalRunner.worker.py")!;
        using var reader = new StreamReader(resource);
        var text = reader.ReadToEnd();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
        var path = Path.Combine(Path.GetTempPath(), $"evalrunner-worker-{hash}.py");
        if (!File.Exists(path))
        {
            var temporary = path + "." + Guid.NewGuid().ToString("N");
            File.WriteAllText(temporary, text);
            File.Move(temporary, path, overwrite: true);
        }

        return path;
    }

    /// <summary>One call in a process's queue.</summary>
    private sealed class Call(long id)
    {
        public long Id { get; } = id;

        /// <summary>Set when the call reaches the head of the queue: the process is running it.</summary>
        public TaskCompletionSource Head { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<JsonElement> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One started Python process: its queue of calls in the order sent, its input and its last lines of stderr.</summary>
    private sealed class WorkerProcess : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly LinkedList<Call> _queue = new();
        private readonly Queue<string> _stderr = new();
        private readonly Channel<string> _stdin = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        private readonly CancellationTokenSource _kill = new();
        private readonly Action<PythonEvaluatorException> _crashed;
        private long _nextId;

        public WorkerProcess(string python, PythonSource source, string directory, Action<PythonEvaluatorException> crashed)
        {
            _crashed = crashed;
            var stdin = _stdin.Reader;
            Exited = Cli.Wrap(python)
                .WithArguments([Script.Value, .. source.Arguments])
                .WithWorkingDirectory(directory)
                .WithEnvironmentVariables(env => env.Set("PYTHONUNBUFFERED", "1").Set("PYTHONIOENCODING", "utf-8"))
                .WithStandardInputPipe(PipeSource.Create(async (destination, token) =>
                {
                    // Every request waiting is written, then one flush: a burst of calls costs one round of pipe writes.
                    while (await stdin.WaitToReadAsync(token).ConfigureAwait(false))
                    {
                        while (stdin.TryRead(out var line))
                        {
                            await destination.WriteAsync(Encoding.UTF8.GetBytes(line), token).ConfigureAwait(false);
                        }

                        await destination.FlushAsync(token).ConfigureAwait(false);
                    }
                }))
                .WithStandardOutputPipe(PipeTarget.ToDelegate(OnLine))
                .WithStandardErrorPipe(PipeTarget.ToDelegate(OnError))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(_kill.Token)
                .Task
                .ContinueWith(OnExit, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public TaskCompletionSource<JsonElement> Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes when the process has ended and every call in it has been told.</summary>
        public Task Exited { get; }

        private Call? TimedOut { get; set; }

        // Set, under the lock, when the process's end has taken the queue: a call sent after that would wait on a process
        // nobody reads (Exited completes only once every call has been told).
        private bool _ended;

        public Call Send(string argsJson)
        {
            lock (_lock)
            {
                var call = new Call(++_nextId);
                if (_ended)
                {
                    // Ended between start and send: the call never ran.
                    call.Answer.TrySetException(new PythonWorkerExit(new PythonEvaluatorException("the Python worker had exited"), resend: true));
                    return call;
                }

                _queue.AddLast(call);
                if (_queue.Count == 1)
                {
                    call.Head.TrySetResult();
                }

                // Written in queue order: the process answers in the same order.
                _stdin.Writer.TryWrite($"{{\"id\":{call.Id},\"args\":{argsJson}}}\n");
                return call;
            }
        }

        public void CloseInput() => _stdin.Writer.TryComplete();

        /// <summary>Kills the process; <paramref name="timedOut"/> (the head call, past its timeout) is failed by its caller.</summary>
        public async Task KillAsync(Call? timedOut)
        {
            lock (_lock)
            {
                TimedOut ??= timedOut;
            }

            _stdin.Writer.TryComplete();
            try
            {
                await _kill.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // Ended and replaced already: nothing left to kill.
            }

            await Exited.ConfigureAwait(false);
        }

        private void OnLine(string line)
        {
            JsonElement message;
            try
            {
                using var document = JsonDocument.Parse(line);
                message = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                OnError(line);
                return;
            }

            if (message.TryGetProperty("ready", out _))
            {
                Ready.TrySetResult(message);
                return;
            }

            if (!message.TryGetProperty("id", out var idProperty) || !idProperty.TryGetInt64(out var id))
            {
                return;
            }

            Call? answered = null;
            Call? next = null;
            lock (_lock)
            {
                for (var node = _queue.First; node is not null; node = node.Next)
                {
                    if (node.Value.Id == id)
                    {
                        answered = node.Value;
                        _queue.Remove(node);
                        next = _queue.First?.Value;
                        break;
                    }
                }
            }

            next?.Head.TrySetResult();
            answered?.Answer.TrySetResult(message);
        }

        private void OnError(string line)
        {
            lock (_stderr)
            {
                _stderr.Enqueue(line);
                while (_stderr.Count > 40)
                {
                    _stderr.Dequeue();
                }
            }
        }

        private void OnExit(Task<CommandResult> execution)
        {
            string tail;
            lock (_stderr)
            {
                tail = string.Join('\n', _stderr);
            }

            var reason = execution.IsCanceled
                ? "the worker was stopped"
                : $"the Python worker exited{(execution.IsCompletedSuccessfully ? $" with code {execution.Result.ExitCode}" : string.Empty)}"
                    + (tail.Length > 0 ? $":\n{tail}" : string.Empty);
            var crash = new PythonEvaluatorException(reason);
            if (!execution.IsCanceled)
            {
                // Counted before any call hears of it: a call sent again sees a dead evaluator at once.
                _crashed(crash);
            }

            List<Call> calls;
            Call? timedOut;
            lock (_lock)
            {
                calls = [.. _queue];
                _queue.Clear();
                timedOut = TimedOut;
                _ended = true;
            }

            // Ended before it was ready: the start itself crashed.
            Ready.TrySetException(new PythonWorkerExit(crash, resend: false));
            for (var i = 0; i < calls.Count; i++)
            {
                // The head call is the one the process was running when it died (unless it was killed for its timeout,
                // which its caller reports); the calls behind it never ran.
                var ranIt = i == 0 && !execution.IsCanceled && timedOut is null;
                calls[i].Answer.TrySetException(new PythonWorkerExit(crash, resend: !ranIt));
            }
        }

        public void Dispose() => _kill.Dispose();
    }
}
