using System.Text;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Caching;
using EvalRunner.Testing;
using Microsoft.Extensions.Caching.Distributed;

namespace EvalRunner.Tests.Caching;

/// <summary>A committed response cache: two branches' additions merge with a real <c>git merge</c>, without conflicts.</summary>
public sealed class CacheGitMergeTests
{
    private static readonly DistributedCacheEntryOptions Options = new();

    private static byte[] Response(string key) => Encoding.UTF8.GetBytes($$"""{"messages":[{"role":"assistant","contents":[{"$type":"text","text":"answer {{key}}"}]}]}""");

    private static async Task<BufferedCommandResult> GitAsync(string repository, params string[] arguments) =>
        await CliWrap.Cli.Wrap("git").WithArguments(arguments).WithWorkingDirectory(repository)
            .WithEnvironmentVariables(env => env.Set("GIT_AUTHOR_NAME", "eval").Set("GIT_AUTHOR_EMAIL", "eval@example.invalid")
                .Set("GIT_COMMITTER_NAME", "eval").Set("GIT_COMMITTER_EMAIL", "eval@example.invalid"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);

    private static async Task AddAsync(string cacheDirectory, string prefix)
    {
        await using var cache = new FileResponseCache(cacheDirectory, CacheMode.ReadWrite);
        foreach (var i in Enumerable.Range(0, 40))
        {
            await cache.SetAsync($"{prefix}-{i:00}", Response($"{prefix}-{i:00}"), Options, TestContext.Current.CancellationToken);
        }
    }

    private static async Task CommitAsync(string repository, string message)
    {
        Assert.Equal(0, (await GitAsync(repository, "add", "-A")).ExitCode);
        var commit = await GitAsync(repository, "commit", "-q", "-m", message);
        Assert.True(commit.ExitCode == 0, commit.StandardOutput + commit.StandardError);
    }

    [Fact(Timeout = 120000)]
    public async Task Two_branches_additions_to_the_committed_cache_merge_without_conflicts_and_every_entry_is_read()
    {
        using var dir = new TempDirectory();
        var repository = dir.Path;
        var cache = Path.Combine(repository, ".evalrunner", "cache");
        Assert.Equal(0, (await GitAsync(repository, "init", "-q", "-b", "main")).ExitCode);
        await AddAsync(cache, "base");
        await CommitAsync(repository, "base");

        Assert.Equal(0, (await GitAsync(repository, "checkout", "-q", "-b", "one")).ExitCode);
        await AddAsync(cache, "one");
        await CommitAsync(repository, "one");
        Assert.Equal(0, (await GitAsync(repository, "checkout", "-q", "main")).ExitCode);
        Assert.Equal(0, (await GitAsync(repository, "checkout", "-q", "-b", "two")).ExitCode);
        await AddAsync(cache, "two");
        await CommitAsync(repository, "two");

        var merge = await GitAsync(repository, "merge", "-q", "--no-edit", "one");

        Assert.True(merge.ExitCode == 0, merge.StandardOutput + merge.StandardError);
        var merged = new FileResponseCache(cache, CacheMode.ReadOnly);
        Assert.Equal(120, merged.Count);
        foreach (var key in new[] { "base-00", "one-17", "two-39" })
        {
            var bytes = await merged.GetAsync(key, TestContext.Current.CancellationToken);
            Assert.NotNull(bytes);
            Assert.Contains($"answer {key}", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        }
    }
}
