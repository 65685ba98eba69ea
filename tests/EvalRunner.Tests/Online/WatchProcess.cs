using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Online;

/// <summary>`evalrunner watch ...` as a process of this build, its output kept; killed on dispose.</summary>
internal sealed partial class WatchProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WatchProcess(Process process) => _process = process;

    /// <summary>What it printed so far, stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static WatchProcess Start(string directory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { EvalRunnerCli.Path, "watch" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        var watch = new WatchProcess(process);
        process.OutputDataReceived += (_, line) => watch.Append(line.Data);
        process.ErrorDataReceived += (_, line) => watch.Append(line.Data);
        process.Exited += (_, _) => watch._listening.TrySetException(new InvalidOperationException($"the watcher exited before it listened: {watch.Output}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return watch;
    }

    /// <summary>
    /// Starts a watcher with <c>--metrics</c> on a free loopback port; a port taken by a test running beside this one
    /// before the watcher bound it is tried again with another (three times at most).
    /// </summary>
    public static async Task<(WatchProcess Watch, int Port)> StartWithMetricsAsync(string directory, string[] arguments, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = EvalRunner.Testing.PrometheusServer.FreePort();
            var watch = WatchProcess.Start(directory, [.. arguments, "--metrics", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            while (!watch.HasExited && !watch.Output.Contains("metrics for Prometheus", StringComparison.Ordinal))
            {
                await Task.Delay(50, cancellationToken);
            }

            if (!watch.HasExited || attempt == 3 || !watch.Output.Contains("in use", StringComparison.Ordinal))
            {
                return (watch, port);
            }

            watch.Dispose();
        }
    }

    /// <summary>The root URL of its listener (http://127.0.0.1:PORT/), once it says it listens.</summary>
    public Task<Uri> ListeningAsync(CancellationToken cancellationToken) => _listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);

    /// <summary>Waits until <paramref name="condition"/> holds; fails at once when the watcher exited.</summary>
    public async Task UntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            Assert.False(_process.HasExited, $"the watcher exited: {Output}");
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Kills it (as a crash or SIGKILL would) and waits for it to be gone.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(cancellationToken);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (Listening().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"(http://127\.0\.0\.1:\d+/)logs")]
    private static partial Regex Listening();
}
