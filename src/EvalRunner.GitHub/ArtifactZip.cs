using System.IO.Compression;

namespace EvalRunner.GitHub;

/// <summary>
/// Extracts a downloaded artifact, taken as hostile input: every entry must stay inside the folder (no <c>..</c>, no
/// absolute or drive path, no backslash), links are refused, a name may appear once, and the files, their sizes (as
/// they unpack, not as the archive claims) and their total are capped by <see cref="ArtifactZipLimits"/>. Any of these,
/// or an archive that is not a zip, throws a <see cref="BaselineException"/> naming the entry.
/// </summary>
internal static class ArtifactZip
{
    // Unix file type bits of an entry's external attributes (the high 16 bits, as zip and upload-artifact write them).
    private const int FileTypeMask = 0xF000;
    private const int SymbolicLink = 0xA000;

    /// <summary>
    /// Extracts <paramref name="zip"/> into <paramref name="directory"/>, which must exist and be empty.
    /// <paramref name="what"/> names the archive in messages.
    /// </summary>
    public static async Task ExtractAsync(Stream zip, string directory, string what, ArtifactZipLimits limits, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(directory);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw new BaselineException($"{what} is not a zip archive that can be read (damaged or cut short): {ex.Message}", ex);
        }

        using (archive)
        {
            if (archive.Entries.Count > limits.MaxEntries)
            {
                throw new BaselineException($"{what} holds {archive.Entries.Count} entries, over the limit of {limits.MaxEntries}");
            }

            long total = 0;
            foreach (var entry in archive.Entries)
            {
                var target = Target(entry, root, what);
                if (target is null)
                {
                    continue;
                }

                if (entry.FullName.EndsWith('/'))
                {
                    Directory.CreateDirectory(target);
                    continue;
                }

                if (entry.Length > limits.MaxEntryBytes)
                {
                    throw new BaselineException($"{what}: entry '{entry.FullName}' unpacks to {entry.Length} bytes, over the limit of {limits.MaxEntryBytes} per file");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                total += await CopyAsync(entry, target, what, limits, limits.MaxBytes - total, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Where an entry goes under <paramref name="root"/>; null for an entry that names nothing (the root itself).</summary>
    private static string? Target(ZipArchiveEntry entry, string root, string what)
    {
        var name = entry.FullName;

        // Named with its control characters as markers: a name that ends a line and starts a `::error::` would be read
        // from the log as a workflow command.
        var shown = string.Concat(name.Select(c => char.IsControl(c) || BidiText.IsControl(c) ? BidiText.Marker(c) : c.ToString()));
        string Refuse(string why) => throw new BaselineException($"{what}: entry '{shown}' {why}");

        if (((entry.ExternalAttributes >> 16) & FileTypeMask) == SymbolicLink)
        {
            Refuse("is a symbolic link");
        }

        if (name.Contains('\\', StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            Refuse("has a backslash or a control character in its name");
        }

        if (name.StartsWith('/') || Path.IsPathRooted(name) || (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0])))
        {
            Refuse("is an absolute path");
        }

        var segments = name.Split('/');
        if (segments.Any(s => s == ".."))
        {
            Refuse("would be written outside the folder (a '..' in its path: zip slip)");
        }

        var relative = string.Join('/', segments.Where(s => s.Length > 0 && s != "."));
        if (relative.Length == 0)
        {
            return null;
        }

        // A second guard, whatever the checks above missed: the resolved path is inside the folder.
        var target = Path.GetFullPath(Path.Combine(root, relative));
        if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            Refuse("would be written outside the folder (zip slip)");
        }

        return target;
    }

    /// <summary>Copies one entry, counting what it really unpacks to; returns its size.</summary>
    private static async Task<long> CopyAsync(ZipArchiveEntry entry, string target, string what, ArtifactZipLimits limits, long room, CancellationToken cancellationToken)
    {
        FileStream output;
        try
        {
            // CreateNew: a name that appears twice (or a file over a folder) is refused, never overwritten.
            output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        }
        catch (IOException ex)
        {
            throw new BaselineException($"{what}: entry '{entry.FullName}' appears twice or clashes with a folder", ex);
        }

        await using (output.ConfigureAwait(false))
        {
            Stream input;
            try
            {
                input = entry.Open();
            }
            catch (InvalidDataException ex)
            {
                throw new BaselineException($"{what}: entry '{entry.FullName}' cannot be read (damaged or in an unknown compression): {ex.Message}", ex);
            }

            await using (input.ConfigureAwait(false))
            {
                var buffer = new byte[81920];
                long written = 0;
                while (true)
                {
                    int read;
                    try
                    {
                        read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    }
                    catch (InvalidDataException ex)
                    {
                        throw new BaselineException($"{what}: entry '{entry.FullName}' is damaged: {ex.Message}", ex);
                    }

                    if (read == 0)
                    {
                        return written;
                    }

                    written += read;
                    if (written > limits.MaxEntryBytes)
                    {
                        throw new BaselineException($"{what}: entry '{entry.FullName}' unpacks to more than the limit of {limits.MaxEntryBytes} bytes per file");
                    }

                    if (written > room)
                    {
                        throw new BaselineException($"{what} unpacks to more than the limit of {limits.MaxBytes} bytes in all");
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
