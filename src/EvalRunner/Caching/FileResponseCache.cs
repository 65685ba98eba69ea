using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Datasets;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Win32.SafeHandles;

namespace EvalRunner.Caching;

/// <summary>
/// A response store that reads fast and is friendly to git: entries are JSON lines in 16 files
/// (<c>DIR/responses-0.jsonl</c> … <c>responses-f.jsonl</c>, by the first hex digit of the key's hash), each line
/// <c>{"key", "stored_at", "response"}</c>. Opening the cache reads the files once into an index of where each response
/// is; a hit reads those bytes and nothing else. New entries are appended as they come (a line whole in one write, so a
/// crash leaves at most a cut last line, which is skipped); when a run ends (<see cref="DisposeAsync"/>) the files it
/// wrote to are rewritten sorted by key, so that a committed cache changes by the lines a run added and two branches'
/// additions merge. Used through Microsoft.Extensions.AI's <c>DistributedCachingChatClient</c>; entries older than the
/// TTL are misses. Every string of a stored entry is redacted (<see cref="Settings.Redact"/>), since teams commit the
/// cache. A cache written one file per entry (<c>DIR/ab/abcdef….json</c>, before this format) is still read.
/// </summary>
internal sealed class FileResponseCache : IDistributedCache, IAsyncDisposable
{
    private const int ShardCount = 16;
    private static readonly byte[] Newline = "\n"u8.ToArray();

    // Text as it reads (é, not \u00E9): the committed cache is reviewed in diffs.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Every cache open on the same file in this process appends under one lock, each at the file's real end.
    private static readonly ConcurrentDictionary<string, Lock> FileLocks = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Lock _redactorsLock = new();
    private readonly Lock _openLock = new();
    private readonly Shard[] _shards;
    private ConcurrentDictionary<string, Entry>? _index;

    // Whether the folder holds entries of the one-file-per-entry layout; without them a miss reads no other file.
    private bool _hasSingleFiles;
    private Redactor[] _redactors;
    private long _hits;
    private long _misses;

    /// <summary>
    /// A cache in <paramref name="directory"/> whose entries are stored without the secrets of <paramref name="settings"/>
    /// (and of every engine that runs with it).
    /// </summary>
    public FileResponseCache(string directory, CacheMode mode, TimeSpan? timeToLive = null, TimeProvider? timeProvider = null, Settings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory = directory;
        Mode = mode;
        TimeToLive = timeToLive;
        _time = timeProvider ?? TimeProvider.System;
        _redactors = settings is null ? [] : [settings.Redactor];
        _shards = [.. Enumerable.Range(0, ShardCount).Select(i => new Shard(Path.Combine(directory, $"responses-{i:x}.jsonl")))];
    }

    /// <summary>The cache directory.</summary>
    public string Directory { get; }

    /// <summary>The mode.</summary>
    public CacheMode Mode { get; }

    /// <summary>Entries older than this are misses; null keeps them forever.</summary>
    public TimeSpan? TimeToLive { get; }

    /// <summary>Calls answered from the cache so far.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Calls the cache could not answer so far.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The entries the cache holds (the last one of each key).</summary>
    public int Count => Index().Count;

    /// <inheritdoc />
    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[]? response = null;
        DateTimeOffset? stored = null;
        if (Index().TryGetValue(key, out var entry))
        {
            var bytes = new byte[entry.Length];
            var shard = _shards[entry.Shard];
            var read = await RandomAccess.ReadAsync(shard.Reader(), bytes, entry.Offset, token).ConfigureAwait(false);
            (response, stored) = read == bytes.Length ? (bytes, entry.StoredAt) : (null, null);
        }
        else if (Volatile.Read(ref _hasSingleFiles))
        {
            (response, stored) = await ReadSingleFileEntryAsync(key, token).ConfigureAwait(false);
        }

        if (response is null || (TimeToLive is { } ttl && stored is { } at && _time.GetUtcNow() - at > ttl))
        {
            Interlocked.Increment(ref _misses);
            return null;
        }

        Interlocked.Increment(ref _hits);
        return response;
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (Mode != CacheMode.ReadWrite)
        {
            return Task.CompletedTask;
        }

        var response = JsonNode.Parse(value);
        foreach (var redactor in Volatile.Read(ref _redactors))
        {
            redactor.Redact(response);
        }

        Append(key, _time.GetUtcNow(), response);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Refresh(string key)
    {
    }

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    /// <inheritdoc />
    public void Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (Index().TryRemove(key, out var entry))
        {
            _shards[entry.Shard].Remove(key);
        }

        File.Delete(SingleFilePath(key));
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Remove(key);
        return Task.CompletedTask;
    }

    /// <summary>Deletes entries stored longer ago than <paramref name="olderThan"/> (and entries without a date); returns how many.</summary>
    public int Prune(TimeSpan olderThan)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var removed = 0;
        var now = _time.GetUtcNow();
        foreach (var (key, entry) in Index())
        {
            if ((entry.StoredAt is not { } at || now - at > olderThan) && Index().TryRemove(key, out _))
            {
                _shards[entry.Shard].Remove(key);
                removed++;
            }
        }

        foreach (var file in SingleFiles())
        {
            DateTimeOffset? stored = null;
            try
            {
                stored = JsonNode.Parse(File.ReadAllText(file))?["stored_at"]?.GetValue<DateTimeOffset>();
            }
            catch (JsonException)
            {
            }

            if (stored is null || now - stored > olderThan)
            {
                File.Delete(file);
                removed++;
            }
        }

        Compact();
        return removed;
    }

    /// <summary>Rewrites the files this cache wrote to or removed from, sorted by key and each key once.</summary>
    public ValueTask DisposeAsync()
    {
        Compact();
        foreach (var shard in _shards)
        {
            shard.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Stores entries without the secrets <paramref name="redactor"/> knows too (the engine's, for a cache made without settings).</summary>
    internal void AlsoRedact(Redactor redactor)
    {
        lock (_redactorsLock)
        {
            if (!_redactors.Contains(redactor))
            {
                Volatile.Write(ref _redactors, [.. _redactors, redactor]);
            }
        }
    }

    private void Append(string key, DateTimeOffset storedAt, JsonNode? response)
    {
        var index = Index();
        var number = ShardOf(key);
        var shard = _shards[number];
        var (line, responseStart, responseLength) = Line(key, storedAt, Encoding.UTF8.GetBytes(response?.ToJsonString(Readable) ?? "null"));
        lock (FileLocks.GetOrAdd(shard.Path, _ => new Lock()))
        {
            var offset = shard.Append(line);
            index[key] = new Entry(number, offset + responseStart, responseLength, storedAt);
            shard.Added(key);
        }
    }

    private static (byte[] Line, int ResponseStart, int ResponseLength) Line(string key, DateTimeOffset? storedAt, ReadOnlySpan<byte> response)
    {
        var head = new JsonObject { ["key"] = key, ["stored_at"] = storedAt };
        var headText = head.ToJsonString(Readable);
        var prefix = Encoding.UTF8.GetBytes(headText[..^1] + ",\"response\":");
        return ([.. prefix, .. response, (byte)'}', (byte)'\n'], prefix.Length, response.Length);
    }

    private ConcurrentDictionary<string, Entry> Index()
    {
        if (Volatile.Read(ref _index) is { } index)
        {
            return index;
        }

        lock (_openLock)
        {
            if (_index is not null)
            {
                return _index;
            }

            var loaded = new ConcurrentDictionary<string, Entry>(StringComparer.Ordinal);
            Parallel.For(0, ShardCount, number =>
            {
                var entries = ReadShard(_shards[number].Path, number, out var damaged);
                foreach (var (key, entry) in entries)
                {
                    // A key written twice (two runs appending) counts once: the last line wins, as it would on rewrite.
                    loaded[key] = entry;
                }

                if (damaged && Mode == CacheMode.ReadWrite)
                {
                    // Cleaned when the run ends: the file is written again without its damaged lines.
                    _shards[number].Dirty = true;
                }
            });
            Volatile.Write(ref _hasSingleFiles, System.IO.Directory.Exists(Directory) && System.IO.Directory.EnumerateDirectories(Directory).Any());
            Volatile.Write(ref _index, loaded);
            return loaded;
        }
    }

    /// <summary>Every whole entry of one file, in file order, with where its response is; a damaged line is skipped.</summary>
    private static List<(string Key, Entry Entry)> ReadShard(string path, int number, out bool damaged)
    {
        damaged = false;
        var entries = new List<(string, Entry)>();
        if (!File.Exists(path))
        {
            return entries;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        var buffer = new byte[1 << 20];
        var filled = 0;
        long bufferStart = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                // A line longer than the buffer: make room for all of it.
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = stream.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            var start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
            {
                if (ParseLine(buffer.AsSpan(start, newline - start)) is var (key, responseStart, responseLength, storedAt))
                {
                    entries.Add((key, new Entry(number, bufferStart + start + responseStart, responseLength, storedAt)));
                }
                else
                {
                    damaged |= newline > start;
                }

                start = newline + 1;
            }

            if (read == 0)
            {
                // What is left has no newline: a line cut by a crash, skipped.
                damaged |= filled > start;
                return entries;
            }

            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
            bufferStart += start;
            filled -= start;
        }
    }

    private static (string Key, int ResponseStart, int ResponseLength, DateTimeOffset? StoredAt)? ParseLine(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            string? key = null;
            DateTimeOffset? stored = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("key"u8))
                {
                    reader.Read();
                    key = reader.GetString();
                }
                else if (reader.ValueTextEquals("stored_at"u8))
                {
                    reader.Read();
                    stored = reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var at) ? at : null;
                }
                else if (reader.ValueTextEquals("response"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        // A response is an object; anything else (a hand edit, a bad merge) is damaged: a miss, never an answer.
                        return null;
                    }

                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    var end = (int)reader.BytesConsumed;
                    return key is null || !reader.Read() || reader.TokenType != JsonTokenType.EndObject ? null : (key, start, end - start, stored);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return null;
        }
        catch (JsonException)
        {
            // A damaged line (a merge conflict, a cut write) is a miss, never an answer.
            return null;
        }
    }

    /// <summary>Rewrites the files that changed: each key once (its last entry), sorted by key, written aside and moved.</summary>
    private void Compact()
    {
        for (var number = 0; number < ShardCount; number++)
        {
            var shard = _shards[number];
            lock (FileLocks.GetOrAdd(shard.Path, _ => new Lock()))
            {
                if (!shard.Dirty)
                {
                    continue;
                }

                // Read from the file as it is now: what other processes appended since this one opened it is kept too.
                var entries = new SortedDictionary<string, Entry>(StringComparer.Ordinal);
                foreach (var (key, entry) in ReadShard(shard.Path, number, out _))
                {
                    entries[key] = entry;
                }

                var temporary = shard.Path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
                var written = 0;
                using (var source = File.OpenHandle(shard.Path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                {
                    foreach (var (key, entry) in entries)
                    {
                        if (shard.IsRemoved(key))
                        {
                            continue;
                        }

                        var response = new byte[entry.Length];
                        RandomAccess.Read(source, response, entry.Offset);
                        stream.Write(Line(key, entry.StoredAt, response).Line);
                        written++;
                    }
                }

                shard.Close();
                if (written == 0)
                {
                    File.Delete(temporary);
                    File.Delete(shard.Path);
                }
                else
                {
                    File.Move(temporary, shard.Path, overwrite: true);
                }
            }
        }

        // Offsets changed: the index is read again from the rewritten files on next use.
        Volatile.Write(ref _index, null);
    }

    private async Task<(byte[]? Response, DateTimeOffset? StoredAt)> ReadSingleFileEntryAsync(string key, CancellationToken token)
    {
        var path = SingleFilePath(key);
        if (!File.Exists(path))
        {
            return (null, null);
        }

        try
        {
            var entry = JsonNode.Parse(await File.ReadAllTextAsync(path, token).ConfigureAwait(false));
            return entry?["response"] is { } response
                ? (JsonSerializer.SerializeToUtf8Bytes(response), entry["stored_at"]?.GetValue<DateTimeOffset>())
                : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private IEnumerable<string> SingleFiles() =>
        System.IO.Directory.EnumerateDirectories(Directory).SelectMany(folder => System.IO.Directory.EnumerateFiles(folder, "*.json"));

    private static int ShardOf(string key) =>
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key))[0] >> 4;

    /// <summary>Where the one-file-per-entry format kept <paramref name="key"/>.</summary>
    private string SingleFilePath(string key)
    {
        // The key is Microsoft.Extensions.AI's hash of everything that changes the answer; keep file names safe.
        var name = string.Concat(key.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-'));
        if (name.Length > 120)
        {
            name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        }

        return Path.Combine(Directory, name.Length >= 2 ? name[..2] : "00", name + ".json");
    }

    /// <summary>Where one entry's response is: its file, the response's first byte and length, and when it was stored.</summary>
    private readonly record struct Entry(int Shard, long Offset, int Length, DateTimeOffset? StoredAt);

    /// <summary>One file of entries, with a handle to read responses and a stream to append.</summary>
    private sealed class Shard(string path) : IDisposable
    {
        private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
        private SafeFileHandle? _reader;
        private SafeFileHandle? _writer;

        public string Path { get; } = path;

        /// <summary>Whether entries were added or removed since the file was last written whole.</summary>
        public bool Dirty { get; set; }

        public void Remove(string key)
        {
            lock (this)
            {
                _removed.Add(key);
                Dirty = true;
            }
        }

        public void Added(string key)
        {
            lock (this)
            {
                _removed.Remove(key);
                Dirty = true;
            }
        }

        public bool IsRemoved(string key) => _removed.Contains(key);

        public SafeFileHandle Reader()
        {
            lock (this)
            {
                return _reader ??= File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
        }

        /// <summary>
        /// Ships the cache folder's own <c>.gitattributes</c>: each line is one whole entry, so git merges two branches'
        /// additions by keeping both sides' lines (<c>merge=union</c>) instead of a conflict between neighbouring lines.
        /// A reader takes each key's last entry, and the next run's rewrite sorts the file again. One already there is kept.
        /// </summary>
        private static void WriteGitAttributes(string folder)
        {
            try
            {
                using var file = new FileStream(System.IO.Path.Combine(folder, ".gitattributes"), FileMode.CreateNew, FileAccess.Write);
                file.Write("# EvalRunner's response cache: one entry per line, so two branches' additions merge line by line.\nresponses-*.jsonl merge=union\n"u8);
            }
            catch (IOException)
            {
                // There already, or not writable: the cache works without it, only merges may conflict.
            }
        }

        /// <summary>Writes a line at the file's end as it is now (other caches may have added to it); returns where it starts.</summary>
        public long Append(byte[] line)
        {
            if (_writer is null)
            {
                // The folder once, when the file is first written to (it may not exist before the first entry).
                var folder = System.IO.Path.GetDirectoryName(Path)!;
                System.IO.Directory.CreateDirectory(folder);
                WriteGitAttributes(folder);
                _writer = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            }

            var offset = RandomAccess.GetLength(_writer);
            if (offset > 0)
            {
                // A cut last line left by a crash must not swallow this entry.
                var last = new byte[1];
                RandomAccess.Read(_writer, last, offset - 1);
                if (last[0] != (byte)'\n')
                {
                    RandomAccess.Write(_writer, Newline, offset);
                    offset++;
                }
            }

            // The line and its newline in one write: a crash leaves it whole or cut, never joined to the next one.
            RandomAccess.Write(_writer, line, offset);
            return offset;
        }

        /// <summary>Closes the file, which has been written whole: nothing is added or removed any more.</summary>
        public void Close()
        {
            lock (this)
            {
                _reader?.Dispose();
                _reader = null;
                _writer?.Dispose();
                _writer = null;
                _removed.Clear();
                Dirty = false;
            }
        }

        public void Dispose() => Close();
    }
}
