using EvalRunner.Testing;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>The rolling window of the watcher's aggregate thresholds.</summary>
public sealed class WatchWindowTests
{
    [Fact(Timeout = 120000)]
    public async Task A_time_window_holds_the_logs_of_its_duration_by_their_timestamps_also_after_a_restart()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [mean(contains.passed) >= 0.5]\nonline: {window: 30s, min_logs: 4, alerts: {file: alerts.jsonl}}\n");
        var output = Path.Combine(dir.Path, "out");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
        var then = clock.GetUtcNow();
        await using (var first = await InProcessWatch.StartAsync(suitePath, output, null, token, time: clock))
        {
            Assert.True(await first.Monitor.TryAcceptAsync([.. Enumerable.Range(0, 4).Select(i => WatchTests.PushedLog($"old:{i}", true, at: then))], token));
            await first.UntilAsync(() => first.Monitor.Evaluated == 4, token);
        }

        // A minute later, after a restart: four failing logs. The passing ones are a minute old, out of a 30 s window.
        clock.Advance(TimeSpan.FromMinutes(1));
        await using (var second = await InProcessWatch.StartAsync(suitePath, output, null, token, time: clock))
        {
            Assert.True(await second.Monitor.TryAcceptAsync([.. Enumerable.Range(0, 4).Select(i => WatchTests.PushedLog($"new:{i}", false, at: clock.GetUtcNow()))], token));
            await second.UntilAsync(() => second.Monitor.Evaluated == 4, token);
        }

        var alerts = Path.Combine(dir.Path, "alerts.jsonl");
        Assert.True(File.Exists(alerts), "no alert fired");
        var alert = JsonDocument.Parse(Assert.Single(File.ReadAllLines(alerts))).RootElement;
        Assert.Equal("breach", alert.GetProperty("state").GetString());
        Assert.Equal(4, alert.GetProperty("logs").GetInt32());
    }
}
