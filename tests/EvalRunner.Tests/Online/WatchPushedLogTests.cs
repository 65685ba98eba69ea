using EvalRunner.Testing;
using System.Text.Json;

namespace EvalRunner.Tests.Online;

/// <summary>Logs pushed to the watcher (over HTTP or OpenTelemetry) are evaluated like the logs of its files.</summary>
public sealed class WatchPushedLogTests
{
    [Fact(Timeout = 60000)]
    public async Task A_pushed_log_gets_its_cost_from_the_suites_prices_as_a_log_from_a_file_does()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nprices: {prod-bot: {input: 2, output: 8}}\nonline: {}\n");
        var output = Path.Combine(dir.Path, "out");
        await using (var watch = await InProcessWatch.StartAsync(suitePath, output, null, token))
        {
            Assert.True(await watch.Monitor.TryAcceptAsync([WatchTests.PushedLog("http:r1:0", true)], token));
            await watch.UntilAsync(() => watch.Monitor.Evaluated == 1, token);
        }

        var row = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.Combine(output, "results.jsonl")))).RootElement;
        Assert.True(row.GetProperty("log").TryGetProperty("cost_usd", out var cost) && cost.ValueKind == JsonValueKind.Number, row.ToString());
        Assert.Equal(9 * 2 / 1e6, cost.GetDouble(), 12);
    }

    [Fact(Timeout = 30000)]
    public async Task The_inbox_is_emptied_while_the_watch_runs_once_every_pushed_log_has_its_row()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var output = Path.Combine(dir.Path, "out");
        var inbox = Path.Combine(output, EvalRunner.Online.LogInbox.FileName);
        await using var watch = await InProcessWatch.StartAsync(suitePath, output, null, token);
        Assert.True(await watch.Monitor.TryAcceptAsync([.. Enumerable.Range(0, 3).Select(i => WatchTests.PushedLog($"http:r1:{i}", true))], token));
        await watch.UntilAsync(() => watch.Monitor.Evaluated == 3, token);

        // The watch goes on; the inbox does not keep logs that have their rows.
        await watch.UntilAsync(() => new FileInfo(inbox).Length == 0, token);
        Assert.True(await watch.Monitor.TryAcceptAsync([WatchTests.PushedLog("http:r2:0", true)], token));
        await watch.UntilAsync(() => watch.Monitor.Evaluated == 4 && new FileInfo(inbox).Length == 0, token);
        await watch.StopAsync();
        Assert.Equal(4, File.ReadAllLines(Path.Combine(output, "results.jsonl")).Length);
    }
}
