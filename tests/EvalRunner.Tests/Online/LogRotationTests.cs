using EvalRunner.Testing;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>
/// Log files rotated, replaced and truncated under the watcher: a file is known by its inode and a fingerprint of its
/// first line, so no log is lost and none is taken for one already evaluated. The watcher polls on a fake clock: it
/// reads again only when the test moves the clock.
/// </summary>
public sealed class LogRotationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A distinct log line (a file's first line is its fingerprint), all of the same length.</summary>
    private static string Line(string tag) => $"{{\"input\":\"can I get my money back? ({tag})\",\"generated_response\":\"yes, a refund\"}}\n";

    private static string Lines(string prefix, int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i => Line($"{prefix}{i}")));

    private static List<JsonElement> Rows(string output) =>
        [.. File.ReadAllLines(Path.Combine(output, "results.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)];

    private static int Marks(string output) =>
        File.Exists(Path.Combine(output, "checkpoint.json")) ? JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "checkpoint.json"))).RootElement.GetArrayLength() : -1;

    [Fact(Timeout = 60000)]
    public async Task A_new_file_that_reuses_a_rotated_files_inode_is_a_new_file_and_each_of_its_logs_is_evaluated()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {rotated_idle: 1m}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        var old = Path.Combine(dir.Path, "old.log");
        var output = Path.Combine(dir.Path, "out");
        File.WriteAllText(log, Lines("a", 1, 3));
        var clock = new FakeTimeProvider(Start);
        await using var watch = await InProcessWatch.StartAsync(suitePath, output, log, token, time: clock);
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 3; }, token);

        // Rotated away and let go of once idle; then the same inode holds new logs at the path (as ext4 reuses an inode).
        File.Move(log, old);
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromSeconds(10)); return Marks(output) == 0; }, token);
        File.WriteAllText(old, Lines("b", 1, 5));
        File.Move(old, log);
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 8; }, token);
        await watch.StopAsync();

        var rows = Rows(output);
        Assert.Equal(8, rows.Select(r => r.GetProperty("datapoint_id").GetString()).Distinct().Count());
        Assert.Equal(5, rows.Count(r => r.GetProperty("input").GetString()!.Contains("(b", StringComparison.Ordinal)));
    }

    [Fact(Timeout = 60000)]
    public async Task Lines_written_to_a_rotated_file_are_read_until_it_has_been_idle_for_five_minutes()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        var output = Path.Combine(dir.Path, "out");
        File.WriteAllText(log, Lines("a", 1, 2));
        var clock = new FakeTimeProvider(Start);
        await using var watch = await InProcessWatch.StartAsync(suitePath, output, log, token, time: clock);
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 2; }, token);

        File.Move(log, log + ".1");
        File.WriteAllText(log, Lines("c", 1, 1));
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 3; }, token);

        // The service still writes to the file it has open, after the watcher read it to its end.
        File.AppendAllText(log + ".1", Lines("a", 3, 2));
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 5; }, token);

        // Four minutes later it is still followed.
        clock.Advance(TimeSpan.FromMinutes(4));
        File.AppendAllText(log + ".1", Lines("a", 5, 1));
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 6; }, token);
        Assert.Equal(2, Marks(output));

        // Idle for five minutes: let go of, only the file at the path is left in the checkpoint.
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromSeconds(30)); return Marks(output) == 1; }, token);
        await watch.StopAsync();
        Assert.Equal(6, Rows(output).Select(r => r.GetProperty("datapoint_id").GetString()).Distinct().Count());
    }

    [Fact(Timeout = 60000)]
    public async Task A_file_rewritten_in_place_and_longer_than_what_was_read_within_one_poll_is_reported_and_read_from_its_start()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        var output = Path.Combine(dir.Path, "out");
        File.WriteAllText(log, Lines("a", 1, 3));
        var clock = new FakeTimeProvider(Start);
        var said = new List<string>();
        await using var watch = await InProcessWatch.StartAsync(suitePath, output, log, token, s => { lock (said) { said.Add(s); } }, clock);
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 3; }, token);

        // Between two polls: truncated and written again (cp over the file keeps its inode), longer than before.
        File.WriteAllText(log, Lines("b", 1, 6));
        await watch.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return watch.Monitor.Evaluated == 9; }, token);
        await watch.StopAsync();

        Assert.Equal(6, Rows(output).Count(r => r.GetProperty("input").GetString()!.Contains("(b", StringComparison.Ordinal)));
        lock (said)
        {
            Assert.Contains(said, s => s.Contains("app.jsonl", StringComparison.Ordinal) && s.Contains("first line changed", StringComparison.Ordinal));
        }
    }

    [Fact(Timeout = 60000)]
    public async Task A_copytruncate_while_the_watcher_is_stopped_loses_no_log_of_the_copy_or_of_the_new_file()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        var output = Path.Combine(dir.Path, "out");
        File.WriteAllText(log, Lines("a", 1, 3));
        var clock = new FakeTimeProvider(Start);
        await using (var first = await InProcessWatch.StartAsync(suitePath, output, log, token, time: clock))
        {
            await first.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return first.Monitor.Evaluated == 3; }, token);
        }

        // While stopped: two more logs, then logrotate's copytruncate (a copy, the file emptied in place), then new logs.
        File.AppendAllText(log, Lines("a", 4, 2));
        File.Copy(log, log + ".1");
        File.WriteAllText(log, Lines("b", 1, 2));
        await using (var second = await InProcessWatch.StartAsync(suitePath, output, log, token, time: clock))
        {
            await second.UntilAsync(() => { clock.Advance(TimeSpan.FromMilliseconds(20)); return second.Monitor.Evaluated == 4; }, token);
        }

        var inputs = Rows(output).Select(r => r.GetProperty("input").GetString()!).ToList();
        Assert.Equal(7, inputs.Count);
        Assert.Equal(7, Rows(output).Select(r => r.GetProperty("datapoint_id").GetString()).Distinct().Count());
        Assert.Equal(5, inputs.Count(i => i.Contains("(a", StringComparison.Ordinal)));
    }
}
