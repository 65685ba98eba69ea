using System.Runtime.InteropServices;

namespace EvalRunner.Online;

/// <summary>
/// Which file a path names now: its device and inode, so that a rotated file (renamed, with a new file at the path) is
/// told apart from the file that keeps growing at the path. Where inodes are not available, the creation time stands in.
/// </summary>
internal static partial class FileIdentity
{
    /// <summary>The identity of the file at <paramref name="path"/> (<c>DEVICE.INODE</c>), or null when it is gone.</summary>
    public static string? Of(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            // struct stat on Linux (x86_64 and arm64) starts with st_dev and st_ino, both 64-bit.
            var buffer = new byte[256];
            if (Stat(path, buffer) != 0)
            {
                return null;
            }

            return $"{BitConverter.ToUInt64(buffer, 0)}.{BitConverter.ToUInt64(buffer, 8)}";
        }

        var info = new FileInfo(path);
        return info.Exists ? $"c{info.CreationTimeUtc.Ticks}" : null;
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Stat(string path, byte[] buffer);
}
