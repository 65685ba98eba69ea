using CliWrap;
using CliWrap.Buffered;

namespace EvalRunner.Tests.Cli;

/// <summary>
/// A real small file system (tmpfs) mounted on a folder, for the faults of a full or read-only disk; unmounted on
/// dispose. File modes cannot make a folder read-only for root (CI runs as root), a read-only mount can. When mounting
/// is refused (no privilege), the test is skipped with the reason, never passed.
/// </summary>
internal sealed class TmpfsMount : IAsyncDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (as mount writes it: 64k) on a new folder <paramref name="path"/>.</summary>
    public static async Task<TmpfsMount> MountAsync(string path, string size, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(path);
        var result = await Run("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", path], cancellationToken);
        if (result.ExitCode != 0)
        {
            Assert.Skip($"a tmpfs cannot be mounted here (mount exited with {result.ExitCode}: {result.StandardError.Trim()}); this test needs root or CAP_SYS_ADMIN");
        }

        return new TmpfsMount(path);
    }

    /// <summary>Makes the mount read-only.</summary>
    public async Task MakeReadOnlyAsync(CancellationToken cancellationToken)
    {
        var result = await Run("mount", ["-o", "remount,ro", Path], cancellationToken);
        Assert.True(result.ExitCode == 0, $"remount read-only failed: {result.StandardError}");
    }

    public async ValueTask DisposeAsync() =>
        // Lazy: a process that was killed may still be closing a file on it.
        await Run("umount", ["-l", Path], CancellationToken.None);

    private static Task<BufferedCommandResult> Run(string program, string[] arguments, CancellationToken cancellationToken) =>
        CliWrap.Cli.Wrap(program).WithArguments(arguments).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(cancellationToken);
}
