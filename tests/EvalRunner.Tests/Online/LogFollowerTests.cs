using EvalRunner.Online;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Online;

/// <summary>Followed log files are read line by line as they grow.</summary>
public sealed class LogFollowerTests
{
    [Fact]
    public void A_log_file_that_starts_with_a_UTF8_byte_order_mark_is_read_without_it()
    {
        using var dir = new TempDirectory();
        dir.File("app.jsonl", "\ufeff{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
        using var follower = new LogFollower(Path.Combine(dir.Path, "*.jsonl"), [], TimeProvider.System, TimeSpan.FromMinutes(5), _ => { });

        var lines = follower.Poll();

        Assert.Equal(["{\"id\":\"a\"}", "{\"id\":\"b\"}"], lines.Select(l => l.Text));
    }
}
