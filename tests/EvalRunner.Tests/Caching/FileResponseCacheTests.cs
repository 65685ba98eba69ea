using System.Text;
using EvalRunner.Caching;
using EvalRunner.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Time.Testing;

namespace EvalRunner.Tests.Caching;

/// <summary>The response cache's files: JSON lines in 16 files, read once into an index, rewritten sorted when a run ends.</summary>
public sealed class FileResponseCacheTests
{
    private static readonly DistributedCacheEntryOptions Options = new();

    private static byte[] Response(int i) => Encoding.UTF8.GetBytes($$"""{"messages":[{"role":"assistant","contents":[{"$type":"text","text":"answer {{i}} \u00e9"}]}]}""");

    // The response as JSON means it: escapes may differ (\u00e9 stored as é).
    private static string Text(byte[]? bytes) => bytes is null ? "<miss>" : System.Text.Json.Nodes.JsonNode.Parse(bytes)!.ToJsonString();

    [Fact]
    public async Task Entries_are_lines_in_at_most_16_files_sorted_by_key_and_read_back_exactly()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "cache");
        await using (var cache = new FileResponseCache(path, CacheMode.ReadWrite))
        {
            foreach (var i in Enumerable.Range(0, 300).Reverse())
            {
                await cache.SetAsync($"key-{i:000}", Response(i), Options, TestContext.Current.CancellationToken);
            }

            // Answered at once from the lines appended, before the files are rewritten.
            Assert.Equal(Text(Response(7)), Text(await cache.GetAsync("key-007", TestContext.Current.CancellationToken)));
        }

        // The entries' files, and the folder's own .gitattributes, which makes git merge two branches' additions.
        Assert.Contains("responses-*.jsonl merge=union", File.ReadAllText(Path.Combine(path, ".gitattributes")), StringComparison.Ordinal);
        var files = Directory.GetFiles(path).Where(f => Path.GetFileName(f) != ".gitattributes").ToArray();
        Assert.InRange(files.Length, 2, 16);
        Assert.All(files, file => Assert.Matches(@"responses-[0-9a-f]\.jsonl$", file));
        foreach (var file in files)
        {
            var keys = File.ReadAllLines(file).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("key").GetString()!).ToList();
            Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        }

        var reopened = new FileResponseCache(path, CacheMode.ReadOnly);
        Assert.Equal(300, reopened.Count);
        foreach (var i in new[] { 0, 150, 299 })
        {
            Assert.Equal(Text(Response(i)), Text(await reopened.GetAsync($"key-{i:000}", TestContext.Current.CancellationToken)));
        }

        Assert.Null(await reopened.GetAsync("key-300", TestContext.Current.CancellationToken));
        Assert.Equal((3, 1), (reopened.Hits, reopened.Misses));
    }

    [Fact]
    public async Task A_line_cut_by_a_crash_and_a_damaged_line_are_misses_and_later_entries_start_on_their_own_line()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "cache");
        var cache = new FileResponseCache(path, CacheMode.ReadWrite);
        foreach (var i in Enumerable.Range(0, 40))
        {
            await cache.SetAsync($"key-{i}", Response(i), Options, TestContext.Current.CancellationToken);
        }

        // Not disposed: the run was killed. Every file gets a cut line at its end, one a merge-conflict marker too.
        var files = Directory.GetFiles(path, "responses-*.jsonl");
        foreach (var file in files)
        {
            File.AppendAllText(file, "{\"key\":\"cut\",\"stored_at\":\"2026-01-01T00:00:00+00:00\",\"response\":{\"messa");
        }

        var lines = File.ReadAllLines(files[0]).ToList();
        lines.Insert(1, "<<<<<<< HEAD");
        File.WriteAllText(files[0], string.Join('\n', lines));

        await using (var again = new FileResponseCache(path, CacheMode.ReadWrite))
        {
            Assert.Null(await again.GetAsync("cut", TestContext.Current.CancellationToken));
            Assert.Equal(Text(Response(3)), Text(await again.GetAsync("key-3", TestContext.Current.CancellationToken)));
            foreach (var i in Enumerable.Range(40, 40))
            {
                await again.SetAsync($"key-{i}", Response(i), Options, TestContext.Current.CancellationToken);
            }

            Assert.Equal(Text(Response(79)), Text(await again.GetAsync("key-79", TestContext.Current.CancellationToken)));
        }

        var reopened = new FileResponseCache(path, CacheMode.ReadOnly);
        Assert.Equal(80, reopened.Count);
        Assert.All(Directory.GetFiles(path, "responses-*.jsonl").SelectMany(File.ReadAllLines), line => Assert.StartsWith("{\"key\":\"key-", line, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("5")]
    [InlineData("\"text\"")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public async Task An_entry_whose_response_is_not_an_object_is_a_miss_and_is_cleaned(string response)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "cache");
        await using (var cache = new FileResponseCache(path, CacheMode.ReadWrite))
        {
            await cache.SetAsync("good", Response(1), Options, TestContext.Current.CancellationToken);
        }

        var file = Directory.GetFiles(path, "responses-*.jsonl").Single();
        File.AppendAllText(file, $"{{\"key\":\"damaged\",\"stored_at\":\"2026-01-01T00:00:00+00:00\",\"response\":{response}}}\n");

        await using (var again = new FileResponseCache(path, CacheMode.ReadWrite))
        {
            Assert.Null(await again.GetAsync("damaged", TestContext.Current.CancellationToken));
            Assert.Equal(Text(Response(1)), Text(await again.GetAsync("good", TestContext.Current.CancellationToken)));
        }

        Assert.DoesNotContain("damaged", File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_runs_writing_the_same_cache_keep_both_runs_entries()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "cache");
        var first = new FileResponseCache(path, CacheMode.ReadWrite);
        var second = new FileResponseCache(path, CacheMode.ReadWrite);
        await first.SetAsync("shared", Response(0), Options, TestContext.Current.CancellationToken);
        foreach (var i in Enumerable.Range(1, 30))
        {
            await (i % 2 == 0 ? first : second).SetAsync($"key-{i}", Response(i), Options, TestContext.Current.CancellationToken);
        }

        await first.DisposeAsync();
        await second.DisposeAsync();

        var reopened = new FileResponseCache(path, CacheMode.ReadOnly);
        Assert.Equal(31, reopened.Count);
        Assert.Equal(Text(Response(30)), Text(await reopened.GetAsync("key-30", TestContext.Current.CancellationToken)));
        Assert.Equal(Text(Response(29)), Text(await reopened.GetAsync("key-29", TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Entries_past_the_ttl_are_misses_prune_removes_them_and_a_cache_of_one_file_per_entry_is_still_read()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "cache");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        await using (var cache = new FileResponseCache(path, CacheMode.ReadWrite, timeProvider: clock))
        {
            await cache.SetAsync("old", Response(1), Options, TestContext.Current.CancellationToken);
            clock.Advance(TimeSpan.FromDays(3));
            await cache.SetAsync("new", Response(2), Options, TestContext.Current.CancellationToken);
        }

        // The format before: DIR/ab/abcdef.json holding stored_at and the response.
        dir.File("cache/le/legacy.json", """{"stored_at": "2026-11-03T12:00:00+00:00", "response": {"messages": []}}""");

        var withTtl = new FileResponseCache(path, CacheMode.ReadOnly, TimeSpan.FromDays(1), clock);
        Assert.Null(await withTtl.GetAsync("old", TestContext.Current.CancellationToken));
        Assert.Equal(Text(Response(2)), Text(await withTtl.GetAsync("new", TestContext.Current.CancellationToken)));
        Assert.Equal("{\"messages\":[]}", Text(await withTtl.GetAsync("legacy", TestContext.Current.CancellationToken)));

        var removed = new FileResponseCache(path, CacheMode.ReadWrite, timeProvider: clock).Prune(TimeSpan.FromDays(1));

        Assert.Equal(1, removed);
        var pruned = new FileResponseCache(path, CacheMode.ReadOnly, timeProvider: clock);
        Assert.Null(await pruned.GetAsync("old", TestContext.Current.CancellationToken));
        Assert.NotNull(await pruned.GetAsync("new", TestContext.Current.CancellationToken));
        Assert.NotNull(await pruned.GetAsync("legacy", TestContext.Current.CancellationToken));
    }
}
