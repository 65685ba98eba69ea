using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Distributed;

namespace EvalRunner.Caching;

/// <summary>
/// A response store that is friendly to git: one small JSON file per entry (<c>DIR/ab/abcdef….json</c>) holding when
/// it was stored and the response, so that a team may commit the cache and review what changed. Used through
/// Microsoft.Extensions.AI's <c>DistributedCachingChatClient</c>; entries older than the TTL are misses. Every string
/// of a stored entry is redacted (<see cref="Settings.Redact"/>), since teams commit the cache.
/// </summary>
internal sealed class FileResponseCache : IDistributedCache
{
    private readonly TimeProvider _time;
    private readonly Lock _redactorsLock = new();
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

    /// <inheritdoc />
    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            Interlocked.Increment(ref _misses);
            return null;
        }

        JsonNode? entry;
        try
        {
            entry = JsonNode.Parse(await File.ReadAllTextAsync(path, token).ConfigureAwait(false));
        }
        catch (JsonException)
        {
            // A damaged entry (a merge conflict, a cut write) is a miss, never an answer.
            Interlocked.Increment(ref _misses);
            return null;
        }

        var stored = entry?["stored_at"]?.GetValue<DateTimeOffset>();
        if (entry?["response"] is not { } response || (TimeToLive is { } ttl && stored is { } at && _time.GetUtcNow() - at > ttl))
        {
            Interlocked.Increment(ref _misses);
            return null;
        }

        Interlocked.Increment(ref _hits);
        return JsonSerializer.SerializeToUtf8Bytes(response);
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    /// <inheritdoc />
    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Mode != CacheMode.ReadWrite)
        {
            return;
        }

        var path = PathOf(key);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var response = JsonNode.Parse(value);
        foreach (var redactor in Volatile.Read(ref _redactors))
        {
            redactor.Redact(response);
        }

        var entry = new JsonObject
        {
            ["stored_at"] = _time.GetUtcNow(),
            ["response"] = response,
        };

        // Written aside and moved, so that a reader never sees half an entry.
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        await File.WriteAllTextAsync(temporary, entry.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), token).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc />
    public void Refresh(string key)
    {
    }

    /// <inheritdoc />
    public Task RefreshAsync(string key, CancellationToken token = default) => Task.CompletedTask;

    /// <inheritdoc />
    public void Remove(string key) => File.Delete(PathOf(key));

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Remove(key);
        return Task.CompletedTask;
    }

    /// <summary>Deletes entries stored longer ago than <paramref name="olderThan"/>; returns how many.</summary>
    public int Prune(TimeSpan olderThan)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var removed = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json", SearchOption.AllDirectories))
        {
            DateTimeOffset? stored = null;
            try
            {
                stored = JsonNode.Parse(File.ReadAllText(file))?["stored_at"]?.GetValue<DateTimeOffset>();
            }
            catch (JsonException)
            {
            }

            if (stored is null || _time.GetUtcNow() - stored > olderThan)
            {
                File.Delete(file);
                removed++;
            }
        }

        return removed;
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

    private string PathOf(string key)
    {
        // The key is Microsoft.Extensions.AI's hash of everything that changes the answer; keep file names safe.
        var name = string.Concat(key.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-'));
        if (name.Length > 120)
        {
            name = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
        }

        return Path.Combine(Directory, name.Length >= 2 ? name[..2] : "00", name + ".json");
    }
}
