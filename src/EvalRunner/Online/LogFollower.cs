using System.Text;

namespace EvalRunner.Online;

/// <summary>
/// Follows the files a glob matches as they grow: whole lines only (a line still being written waits for its newline).
/// A file is known by its inode and the fingerprint of its first line (<see cref="FileFingerprint"/>), never by its
/// inode alone. A rotated file (renamed, a new file at the path) is read until it has been idle for a while and the new
/// file from its start; a file that shrinks, whose first line changed, or whose bytes just before the read offset
/// changed (truncated, rewritten in place, copied over) is reported and read again from its start, and the rest of its old content is read from its copy when one is found
/// next to it (logrotate's copytruncate). Where to start comes from the checkpoint's marks.
/// </summary>
internal sealed class LogFollower : IDisposable
{
    private const int MaxReadBytes = 1 << 20;

    private readonly string _directory;
    private readonly string _pattern;
    private readonly TimeProvider _time;
    private readonly TimeSpan _rotatedIdle;
    private readonly Action<string> _say;
    private readonly Dictionary<string, FileMark> _marks;
    private readonly Dictionary<string, FollowedFile> _files = [];
    // The highest generation of each identity seen, so that a file truncated again gets ids it never had.
    private readonly Dictionary<string, int> _generations = [];
    private readonly Lock _lock = new();
    private bool _marksLookedFor;

    public LogFollower(string glob, IReadOnlyList<FileMark> marks, TimeProvider time, TimeSpan rotatedIdle, Action<string> say)
    {
        var full = Path.GetFullPath(glob);
        _directory = Path.GetDirectoryName(full)!;
        _pattern = Path.GetFileName(full);
        _time = time;
        _rotatedIdle = rotatedIdle;
        _say = say;
        _marks = [];
        foreach (var mark in marks)
        {
            _marks[mark.Key] = mark;
            NoteGeneration(mark.Identity, mark.Generation);
        }
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
        var now = _time.GetUtcNow();
        var matches = Directory.Exists(_directory) ? Directory.GetFiles(_directory, _pattern).Order(StringComparer.Ordinal).ToList() : [];
        lock (_lock)
        {
            foreach (var file in _files.Values)
            {
                file.AtPath = false;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var path in matches)
            {
                if (FileIdentity.Of(path) is not { } inode || !seen.Add(inode))
                {
                    continue;
                }

                if (_files.Values.FirstOrDefault(f => f.Inode == inode) is { } followed)
                {
                    if (ChangeOf(followed) is not { } change)
                    {
                        followed.Path = path;
                        followed.AtPath = true;
                        Read(followed, lines, now);
                        continue;
                    }

                    _say($"{path}: {change}; reading it again from its start");
                    Retire(followed, now);
                }

                if (Open(path, inode, now) is { } opened)
                {
                    opened.AtPath = true;
                    _files[opened.Key] = opened;
                    Read(opened, lines, now);
                }
            }

            if (!_marksLookedFor)
            {
                // Marks of files no longer at a matching path (rotated away, or copied and truncated, while the watcher
                // was stopped): looked for once, by inode and fingerprint, else by fingerprint alone (a copy).
                _marksLookedFor = true;
                foreach (var mark in _marks.Values.Where(m => !_files.ContainsKey(m.Key)).ToList())
                {
                    if (mark.Print is { } print && FindCopy(Path.GetDirectoryName(mark.Path), print, mark.Offset, mark.Inode) is { } found)
                    {
                        var file = Follow(found.Path, found.Stream, found.Inode, print, mark, now);
                        _files[file.Key] = file;
                    }
                    else
                    {
                        _marks.Remove(mark.Key);
                    }
                }
            }

            // Files no longer at a matching path (rotated away, deleted): read through the open handle until idle, then let go.
            foreach (var file in _files.Values.Where(f => !f.AtPath).ToList())
            {
                Read(file, lines, now);
                if (now - file.LastGrowth >= _rotatedIdle && !file.HasPending)
                {
                    Release(file);
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
                _marks[file.Key] = file.Mark();
            }

            return [.. _marks.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Key, StringComparer.Ordinal)];
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

    /// <summary>Why the followed file at its path no longer holds what was read from it, or null when it still does.</summary>
    private static string? ChangeOf(FollowedFile file)
    {
        var length = SafeLength(file);
        if (length < file.ReadOffset)
        {
            return $"the file shrank to {length} bytes after {file.ReadOffset} were read (truncated)";
        }

        if (!file.Fingerprint.Matches(file.Stream))
        {
            return "its first line changed (the file was replaced in place)";
        }

        // The same first line and not shorter: a copy over the file (cp keeps the inode) shows in the bytes last read.
        // They are checked when the size or the modification time changed, not on every poll.
        var written = LastWriteOf(file.Path);
        if (length == file.LastLength && written == file.LastWrite)
        {
            return null;
        }

        file.LastWrite = written;
        return file.Tail is { } tail && !tail.MatchesBefore(file.Stream, file.ReadOffset)
            ? "the lines already read changed (the file was rewritten in place with the same first line)"
            : null;
    }

    private static DateTime LastWriteOf(string path)
    {
        try
        {
            return File.GetLastWriteTimeUtc(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    /// <summary>
    /// The file at its path holds something else now: the rest of its old content is read from a copy next to it when
    /// there is one (copytruncate), else it is let go of.
    /// </summary>
    private void Retire(FollowedFile file, DateTimeOffset now)
    {
        if (FindCopy(Path.GetDirectoryName(file.Path), file.Fingerprint, file.ReadOffset, inode: null) is { } copy)
        {
            _say($"{file.Path}: reading the rest of what it held from its copy {copy.Path}");
            file.Stream.Dispose();
            (file.Stream, file.Inode, file.Path, file.AtPath, file.LastGrowth, file.LastLength) = (copy.Stream, copy.Inode, copy.Path, false, now, -1);
            return;
        }

        Release(file);
    }

    private void Release(FollowedFile file)
    {
        _files.Remove(file.Key);
        _marks.Remove(file.Key);
        file.Dispose();
    }

    /// <summary>
    /// A file in <paramref name="folder"/>, not followed yet, that starts as <paramref name="print"/> says and is at least
    /// <paramref name="offset"/> bytes long; the one with inode <paramref name="inode"/> first.
    /// </summary>
    private (string Path, FileStream Stream, string Inode)? FindCopy(string? folder, FileFingerprint print, long offset, string? inode)
    {
        if (folder is null || !Directory.Exists(folder))
        {
            return null;
        }

        var followed = _files.Values.Select(f => f.Inode).ToHashSet(StringComparer.Ordinal);
        var candidates = Directory.GetFiles(folder)
            .Select(path => (Path: path, Inode: FileIdentity.Of(path)))
            .Where(c => c.Inode is not null && !followed.Contains(c.Inode))
            .OrderBy(c => c.Inode == inode ? 0 : 1)
            .ThenBy(c => c.Path, StringComparer.Ordinal);
        foreach (var (path, candidate) in candidates)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (stream.Length >= offset && print.Matches(stream))
            {
                return (path, stream, candidate!);
            }

            stream.Dispose();
        }

        return null;
    }

    /// <summary>The file at <paramref name="path"/>, not followed yet: where its mark says, else from its start; null until its first line is whole.</summary>
    private FollowedFile? Open(string path, string inode, DateTimeOffset now)
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

        if (FileFingerprint.Of(stream) is not { } print)
        {
            stream.Dispose();
            return null;
        }

        var unfollowed = _marks.Values.Where(m => (m.Inode ?? m.Identity) == inode && !_files.ContainsKey(m.Key)).OrderByDescending(m => m.Generation).ToList();
        // Older checkpoints have no fingerprint: their mark of this inode is taken as it is.
        if (unfollowed.FirstOrDefault(m => m.Print is null || m.Print == print) is { } mark)
        {
            if (stream.Length >= mark.Offset && (mark.TailPrint is not { } tail || tail.MatchesBefore(stream, mark.Offset)))
            {
                return Follow(path, stream, inode, print, mark, now);
            }

            _say(stream.Length < mark.Offset
                ? $"{path}: the file shrank to {stream.Length} bytes after {mark.Offset} were read (truncated while the watcher was stopped); reading it again from its start"
                : $"{path}: the lines already read changed while the watcher was stopped (the file was rewritten in place with the same first line); reading it again from its start");
            _marks.Remove(mark.Key);
            return Follow(path, stream, inode, print, mark with { Generation = NextGeneration(mark.Identity), Offset = 0, Lines = 0 }, now);
        }

        if (unfollowed.Count > 0)
        {
            _say($"{path}: its first line changed while the watcher was stopped (the file was replaced); reading it from its start");
        }

        var identity = $"{inode}-{print.Hash[..8]}";
        var generation = _generations.ContainsKey(identity) ? NextGeneration(identity) : 0;
        NoteGeneration(identity, generation);
        return Follow(path, stream, inode, print, new FileMark { Identity = identity, Name = path, Path = path, Generation = generation }, now);
    }

    private FollowedFile Follow(string path, FileStream stream, string inode, FileFingerprint print, FileMark mark, DateTimeOffset now)
    {
        NoteGeneration(mark.Identity, mark.Generation);
        return new FollowedFile
        {
            Tail = FileFingerprint.Before(stream, mark.Offset),
            LastWrite = LastWriteOf(path),
            Identity = mark.Identity,
            Name = mark.Name,
            Path = path,
            Generation = mark.Generation,
            Stream = stream,
            Inode = inode,
            Fingerprint = print,
            ReadOffset = mark.Offset,
            Lines = mark.Lines,
            LastGrowth = now,
        };
    }

    private int NextGeneration(string identity)
    {
        var next = _generations.GetValueOrDefault(identity) + 1;
        _generations[identity] = next;
        return next;
    }

    private void NoteGeneration(string identity, int generation) =>
        _generations[identity] = Math.Max(generation, _generations.GetValueOrDefault(identity, 0));

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

    private static void Read(FollowedFile file, List<LogLine> lines, DateTimeOffset now)
    {
        var length = SafeLength(file);
        if (length != file.LastLength)
        {
            (file.LastLength, file.LastGrowth) = (length, now);
        }

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
                    file.Tail = FileFingerprint.Before(file.Stream, file.ReadOffset);
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
            file.Tail = FileFingerprint.Before(file.Stream, file.ReadOffset);
        }
    }
}
