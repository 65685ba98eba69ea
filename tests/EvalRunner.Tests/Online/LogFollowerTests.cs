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

    private static readonly DateTime Written = new(2026, 11, 27, 9, 0, 0, DateTimeKind.Utc);

    /// <summary>Log lines of one length, so that a rewrite can keep the file's size.</summary>
    private static string Lines(params string[] tags) => string.Concat(tags.Select(tag => $"{{\"input\":\"question {tag}\"}}\n"));

    [Fact]
    public void A_file_copied_over_with_the_same_first_line_is_reported_and_read_again_from_its_start_also_when_its_size_is_unchanged()
    {
        using var dir = new TempDirectory();
        var path = dir.File("app.jsonl", Lines("a1", "a2", "a3"));
        File.SetLastWriteTimeUtc(path, Written);
        List<string> said = [];
        using var follower = new LogFollower(Path.Combine(dir.Path, "*.jsonl"), [], TimeProvider.System, TimeSpan.FromMinutes(5), said.Add);
        var first = follower.Poll();
        Assert.Equal(3, first.Count);

        // cp over the file: the same inode, the same first line, the lines after it changed, and it grew.
        File.WriteAllText(path, Lines("a1", "b2", "b3", "b4", "b5"));
        File.SetLastWriteTimeUtc(path, Written.AddMinutes(1));
        var second = follower.Poll();

        Assert.Equal([Lines("a1").TrimEnd(), Lines("b2").TrimEnd(), Lines("b3").TrimEnd(), Lines("b4").TrimEnd(), Lines("b5").TrimEnd()], second.Select(l => l.Text));
        Assert.DoesNotContain(second[0].File.IdAt(second[0].Offset), first.Select(l => l.File.IdAt(l.Offset)));
        var notice = Assert.Single(said);
        Assert.Contains("app.jsonl", notice, StringComparison.Ordinal);
        Assert.Contains("rewritten", notice, StringComparison.Ordinal);

        // Again, and this time the copy has exactly the size already read: only its modification time tells.
        File.WriteAllText(path, Lines("a1", "c2", "c3", "c4", "c5"));
        File.SetLastWriteTimeUtc(path, Written.AddMinutes(2));
        var third = follower.Poll();

        Assert.Equal(5, third.Count);
        Assert.Equal(Lines("c2").TrimEnd(), third[1].Text);
        Assert.Equal(2, said.Count);

        // Appending keeps what was read: nothing is read twice.
        File.AppendAllText(path, Lines("c6"));
        Assert.Equal([Lines("c6").TrimEnd()], follower.Poll().Select(l => l.Text));
        Assert.Equal(2, said.Count);
    }

    [Fact]
    public void A_file_copied_over_with_the_same_first_line_while_the_watcher_was_stopped_is_read_again_from_its_start()
    {
        using var dir = new TempDirectory();
        var path = dir.File("app.jsonl", Lines("a1", "a2", "a3"));
        IReadOnlyList<FileMark> marks;
        using (var before = new LogFollower(Path.Combine(dir.Path, "*.jsonl"), [], TimeProvider.System, TimeSpan.FromMinutes(5), _ => { }))
        {
            Assert.Equal(3, before.Poll().Count);
            marks = before.Marks();
        }

        File.WriteAllText(path, Lines("a1", "b2", "b3", "b4"));
        List<string> said = [];
        using var after = new LogFollower(Path.Combine(dir.Path, "*.jsonl"), marks, TimeProvider.System, TimeSpan.FromMinutes(5), said.Add);
        var lines = after.Poll();

        Assert.Equal(4, lines.Count);
        Assert.Equal(Lines("b2").TrimEnd(), lines[1].Text);
        Assert.Contains(said, s => s.Contains("rewritten", StringComparison.Ordinal) && s.Contains("stopped", StringComparison.Ordinal));
    }
}
