using System.Text;

namespace EvalRunner.Online;

/// <summary>
/// Follows the files a glob matches as they grow: whole lines only (a line still being written waits for its newline),
/// a rotated file (renamed, a new file at the path) is read to its end and the new file from its start, and a
/// truncated file (shorter than what was read) is read again from 0 as a new generation. Where to start comes from
/// the checkpoint's marks.
/// </summary>
internal sealed class LogFollower : IDisposable
{
    private const int MaxReadBytes = 1 << 20;

    private readonly string _directory;
    private readonly string _pattern;
    private readonly Dictionary<string, FileMark> _marks;
    private readonly Dictionary<string, FollowedFile> _files = [];
    private readonly Lock _lock = new();

    public LogFollower(string glob, IReadOnlyList<FileMark> marks)
    {
        var full = Path.GetFullPath(glob);
        _directory = Path.GetDirectoryName(full)!;
        _pattern = Path.GetFileName(full);
        _marks = marks.ToDictionary(m => m.Identity);
    }

    /// <summary>Guards the followed files' pending logs, shared with the evaluators that finish them.</summary>
    public Lock Sync => _lock;

    /// <summary>Bytes in the followed files not read yet.</summary>
    public long UnreadBytes
    {
        get
        {
            lock (_lock)
            {
                return _files.Values.Sum(f => Math.Max(0, SafeLength(f) - f.ReadOffset));
            }
        }
    }

    /// <summary>Reads what the files gained since the last call.</summary>
    public List<LogLine> Poll()
    {
        var lines = new List<LogLine>();
        var seen = new HashSet<string>();
        var matches = Directory.Exists(_directory) ? Directory.GetFiles(_directory, _pattern).Order(StringComparer.Ordinal).ToList() : [];
        lock (_lock)
        {
            // Marks of files no longer at a matching path: rotated away while the watcher was stopped; looked for by identity.
            foreach (var mark in _marks.Values.ToList())
            {
                if (!_files.ContainsKey(mark.Identity) && Path.GetDirectoryName(mark.Path) is { } folder && Directory.Exists(folder))
                {
                    matches.AddRange(Directory.GetFiles(folder).Where(f => !matches.Contains(f) && FileIdentity.Of(f) == mark.Identity));
                }
            }

            foreach (var path in matches)
            {
                if (FileIdentity.Of(path) is not { } identity || !seen.Add(identity))
                {
                    continue;
                }

                if (!_files.TryGetValue(identity, out var file))
                {
                    if (Open(path, identity) is not { } opened)
                    {
                        continue;
                    }

                    _files[identity] = file = opened;
                }

                file.Path = path;
                if (SafeLength(file) < file.ReadOffset)
                {
                    // Truncated in place: the same file starts again, its logs are new logs.
                    file = _files[identity] = new FollowedFile
                    {
                        Identity = identity, Name = file.Name, Path = path, Generation = file.Generation + 1, Stream = file.Stream,
                    };
                }

                Read(file, lines);
            }

            // Files no longer at a matching path (rotated away, deleted): read to their end through the open handle, then let go.
            foreach (var file in _files.Values.Where(f => !seen.Contains(f.Identity)).ToList())
            {
                Read(file, lines);
                if (SafeLength(file) <= file.ReadOffset && !file.HasPending)
                {
                    _files.Remove(file.Identity);
                    _marks.Remove(file.Identity);
                    file.Dispose();
                }
            }
        }

        return lines;
    }

    /// <summary>The checkpoint's marks now: one per followed file.</summary>
    public List<FileMark> Marks()
    {
        lock (_lock)
        {
            foreach (var file in _files.Values)
            {
                _marks[file.Identity] = file.Mark();
            }

            return [.. _marks.Values.OrderBy(m => m.Name, StringComparer.Ordinal)];
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var file in _files.Values)
            {
                file.Dispose();
            }

            _files.Clear();
        }
    }

    private FollowedFile? Open(string path, string identity)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var mark = _marks.GetValueOrDefault(identity);
        return new FollowedFile
        {
            Identity = identity,
            Name = mark?.Name ?? path,
            Path = path,
            Generation = mark?.Generation ?? 0,
            Stream = stream,
            ReadOffset = mark?.Offset ?? 0,
            Lines = mark?.Lines ?? 0,
        };
    }

    private static long SafeLength(FollowedFile file)
    {
        try
        {
            return file.Stream.Length;
        }
        catch (IOException)
        {
            return file.ReadOffset;
        }
    }

    private static void Read(FollowedFile file, List<LogLine> lines)
    {
        var length = SafeLength(file);
        while (length > file.ReadOffset)
        {
            var buffer = new byte[(int)Math.Min(MaxReadBytes, length - file.ReadOffset)];
            file.Stream.Position = file.ReadOffset;
            var read = file.Stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var end = Array.LastIndexOf(buffer, (byte)'\n', read - 1);
            if (end < 0)
            {
                if (read == MaxReadBytes)
                {
                    // A line longer than the read size: skipped whole, reported as malformed.
                    lines.Add(new LogLine { File = file, Offset = file.ReadOffset, Line = ++file.Lines, Text = string.Empty });
                    file.ReadOffset += read;
                    continue;
                }

                // The last line is still being written.
                return;
            }

            var start = 0;
            while (start <= end)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start + 1);
                // A byte order mark at the file's start is not part of its first line.
                var from = file.ReadOffset == 0 && start == 0 && buffer.AsSpan(0, newline).StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : start;
                var text = Encoding.UTF8.GetString(buffer, from, newline - from).TrimEnd('\r');
                file.Lines++;
                if (text.Trim().Length > 0)
                {
                    lines.Add(new LogLine { File = file, Offset = file.ReadOffset + start, Line = file.Lines, Text = text });
                }

                start = newline + 1;
            }

            file.ReadOffset += end + 1;
        }
    }
}
