using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using CliWrap;
using CliWrap.Buffered;

namespace EvalRunner.Evaluators.Python;

/// <summary>
/// One long-lived Python process that runs an evaluator file's <c>main(...)</c>, spoken to in JSON lines through
/// CliWrap. Calls are serialised; a call past its timeout, or a crash, kills the process, fails only that call,
/// and the next call starts a new one. After <see cref="MaxCrashes"/> crashes in a row the worker is dead: every
/// later call fails at once with the last crash, instead of starting a process per datapoint.
/// </summary>
internal sealed class PythonWorker(string python, PythonSource source, string directory, TimeSpan timeout) : IAsyncDisposable
{
    /// <summary>Crashes in a row after which the worker is not started again.</summary>
    public const int MaxCrashes = 3;

    private static readonly Lazy<string> Script = new(ExtractScript);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly Queue<string> _stderr = new();
    private Channel<string>? _stdin;
    private CancellationTokenSource? _kill;
    private Task? _process;
    private TaskCompletionSource<JsonElement>? _ready;
    private long _nextId;
    private PythonEvaluatorException? _crash;
    private int _crashes;
    private string? _dead;

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

    /// <summary>Calls <c>main(**args)</c> and returns its dict.</summary>
    /// <exception cref="PythonEvaluatorException">The function raised, the call timed out, or the worker died.</exception>
    public async Task<JsonElement> CallAsync(object args, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            if (_dead is not null)
            {
                throw new PythonEvaluatorException(_dead);
            }

            JsonElement response;
            try
            {
                await StartAsync(cancellationToken).ConfigureAwait(false);
                await _stdin!.Writer.WriteAsync(JsonSerializer.Serialize(new { id, args }), cancellationToken).ConfigureAwait(false);
                response = await answer.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await StopAsync().ConfigureAwait(false);
                throw new PythonEvaluatorException($"main() did not return within {timeout.TotalSeconds:0.###}s; the worker was restarted", Runs.ErrorKind.Timeout);
            }
            catch (PythonEvaluatorException crash) when (ReferenceEquals(crash, _crash))
            {
                // The process died (at start or in this call): a worker that keeps dying is not started again.
                if (++_crashes < MaxCrashes)
                {
                    throw;
                }

                _dead = $"the Python worker died {_crashes} times in a row and is not started again in this run; the last time: {crash.Message}";
                throw new PythonEvaluatorException(_dead);
            }

            // The worker answered: it is alive, whatever main() did.
            _crashes = 0;
            if (response.GetProperty("ok").GetBoolean())
            {
                return response.GetProperty("result");
            }

            throw new PythonEvaluatorException(
                response.GetProperty("error").GetString() + "\n" + response.GetProperty("traceback").GetString()?.TrimEnd());
        }
        finally
        {
            _pending.TryRemove(id, out _);
            _gate.Release();
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_process is { IsCompleted: false })
        {
            return;
        }

        _stdin = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        _kill?.Dispose();
        _kill = new CancellationTokenSource();
        _ready = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            _stderr.Clear();
        }

        var stdin = _stdin;
        var ready = _ready;
        _process = Cli.Wrap(python)
            .WithArguments([Script.Value, .. source.Arguments])
            .WithWorkingDirectory(directory)
            .WithEnvironmentVariables(env => env.Set("PYTHONUNBUFFERED", "1").Set("PYTHONIOENCODING", "utf-8"))
            .WithStandardInputPipe(PipeSource.Create(async (destination, token) =>
            {
                await foreach (var line in stdin.Reader.ReadAllAsync(token).ConfigureAwait(false))
                {
                    await destination.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), token).ConfigureAwait(false);
                    await destination.FlushAsync(token).ConfigureAwait(false);
                }
            }))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => OnLine(line, ready)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(OnError))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(_kill.Token)
            .Task
            .ContinueWith(OnExit, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var status = await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (!status.GetProperty("ready").GetBoolean())
        {
            throw new PythonEvaluatorException($"{source.ShownName}: {status.GetProperty("error").GetString()}");
        }
    }

    private void OnLine(string line, TaskCompletionSource<JsonElement> ready)
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
            ready.TrySetResult(message);
        }
        else if (message.TryGetProperty("id", out var id) && _pending.TryGetValue(id.GetInt64(), out var answer))
        {
            answer.TrySetResult(message);
        }
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
        var error = new PythonEvaluatorException(reason);
        if (!execution.IsCanceled)
        {
            _crash = error;
        }

        _ready?.TrySetException(error);
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(error);
        }
    }

    private async Task StopAsync()
    {
        _stdin?.Writer.TryComplete();
        if (_kill is not null)
        {
            await _kill.CancelAsync().ConfigureAwait(false);
        }

        if (_process is not null)
        {
            await _process.ConfigureAwait(false);
        }

        _kill?.Dispose();
        _kill = null;
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // Closing stdin ends the worker's loop; a worker stuck in user code is killed after a grace period.
            _stdin?.Writer.TryComplete();
            if (_process is not null && await Task.WhenAny(_process, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false) != _process)
            {
                await StopAsync().ConfigureAwait(false);
            }

            _kill?.Dispose();
            _kill = null;
            _process = null;
        }
        finally
        {
            _gate.Release();
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
}
