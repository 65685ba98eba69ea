using EvalRunner.Online;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;

namespace EvalRunner.Tests.Online;

/// <summary>An online monitor watching in this process (every 20 ms); disposing it stops the watch and completes its run.</summary>
internal sealed class InProcessWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<RunResult> _watching;

    private InProcessWatch(OnlineMonitor monitor, string? glob, CancellationTokenSource stop)
    {
        Monitor = monitor;
        _stop = stop;
        _watching = monitor.WatchAsync(glob, TimeSpan.FromMilliseconds(20), stop.Token);
    }

    public OnlineMonitor Monitor { get; }

    public static async Task<InProcessWatch> StartAsync(string suitePath, string output, string? glob, CancellationToken cancellationToken, Action<string>? say = null, TimeProvider? time = null)
    {
        var settings = new Settings(new Dictionary<string, string>());
        var suite = SuiteLoader.Load(suitePath, new SuiteLoadOptions { Settings = settings });
        var monitor = await OnlineMonitor.StartAsync(new RunEngine(settings, time), suite, output, say ?? (_ => { }), cancellationToken);
        return new InProcessWatch(monitor, glob, CancellationTokenSource.CreateLinkedTokenSource(cancellationToken));
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails at once when the watch stopped.</summary>
    public async Task UntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            Assert.False(_watching.IsCompleted, "the watcher stopped");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops the watch and waits for it to complete its run.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _watching;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Monitor.Dispose();
        _stop.Dispose();
    }
}
