using System.Security.Cryptography;
using System.Text;

namespace EvalRunner.Results;

internal sealed partial class ResultsIndex
{
    // A cache file: magic, version, the key (full path, size, last write time in UTC ticks), the model configs, the
    // lines, the magic again. Another version, another key or any damage: the file is indexed again.
    private const int CacheVersion = 1;
    private static readonly byte[] CacheMagic = "ERIX"u8.ToArray();

    /// <summary>
    /// The index of <paramref name="resultsPath"/>, read from <paramref name="cacheDirectory"/> when its copy there was
    /// made from the file as it is now (same full path, size and last write time), else built in one pass and written
    /// there. A cache file that is damaged, of another version or cannot be written is no error: the file is indexed
    /// again. Nothing is written next to the results, even when the cache folder is the results folder.
    /// </summary>
    /// <exception cref="IOException">The results file cannot be read.</exception>
    public static ResultsIndex Open(string resultsPath, string cacheDirectory)
    {
        var path = System.IO.Path.GetFullPath(resultsPath);
        var file = new FileInfo(path);
        var (length, ticks) = (file.Length, file.LastWriteTimeUtc.Ticks);
        var cache = System.IO.Path.Combine(System.IO.Path.GetFullPath(cacheDirectory), CacheName(path));
        if (ReadCache(cache, path, length, ticks) is { } cached)
        {
            return cached;
        }

        var index = Build(path, length);
        if (!string.Equals(System.IO.Path.GetDirectoryName(cache), System.IO.Path.GetDirectoryName(path), StringComparison.OrdinalIgnoreCase))
        {
            WriteCache(cache, index, length, ticks);
        }

        return index;
    }

    /// <summary>The cache file's name: a hash of the full path, so files of one name in different folders keep apart.</summary>
    private static string CacheName(string path) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)).AsSpan(0, 16)) + ".index";

    private static ResultsIndex? ReadCache(string cache, string path, long length, long ticks)
    {
        try
        {
            if (!File.Exists(cache))
            {
                return null;
            }

            var bytes = File.ReadAllBytes(cache);
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            if (!reader.ReadBytes(CacheMagic.Length).AsSpan().SequenceEqual(CacheMagic) || reader.ReadInt32() != CacheVersion
                || reader.ReadString() != path || reader.ReadInt64() != length || reader.ReadInt64() != ticks)
            {
                return null;
            }

            var models = new string[Count(reader, bytes.Length)];
            for (var i = 0; i < models.Length; i++)
            {
                models[i] = reader.ReadString();
            }

            var lines = new List<ResultsLine>(Count(reader, bytes.Length));
            var (number, end) = (0, 0L);
            for (var i = 0; i < lines.Capacity; i++)
            {
                var (step, gap, size) = (reader.Read7BitEncodedInt(), reader.Read7BitEncodedInt64(), reader.Read7BitEncodedInt());
                var outcome = reader.ReadByte();
                if (step <= 0 || gap < 0 || size <= 0 || end + gap + size > length)
                {
                    return null;
                }

                number += step;
                var offset = end + gap;
                end = offset + size;

                lines.Add(outcome == 0
                    ? new ResultsLine(number, offset, size, null, null, 0, null)
                    : new ResultsLine(number, offset, size, reader.ReadString(), models[reader.Read7BitEncodedInt()], reader.Read7BitEncodedInt(), Outcomes[outcome - 1]));
            }

            return reader.ReadBytes(CacheMagic.Length).AsSpan().SequenceEqual(CacheMagic) && reader.BaseStream.Position == bytes.Length
                ? new ResultsIndex(path, lines)
                : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static readonly string[] Outcomes = [RowFilter.Pass, RowFilter.Fail, RowFilter.Error, RowFilter.NeedsLiveRun];

    // A count read from the file, no larger than the bytes it could describe.
    private static int Count(BinaryReader reader, int bytes)
    {
        var count = reader.Read7BitEncodedInt();
        return count >= 0 && count <= bytes ? count : throw new FormatException("count out of range");
    }

    private static void WriteCache(string cache, ResultsIndex index, long length, long ticks)
    {
        var temporary = $"{cache}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(cache)!);
            using (var writer = new BinaryWriter(new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16), Encoding.UTF8))
            {
                writer.Write(CacheMagic);
                writer.Write(CacheVersion);
                writer.Write(index.Path);
                writer.Write(length);
                writer.Write(ticks);
                var models = index.Lines.Where(l => !l.Damaged).Select(l => l.ModelConfig!).Distinct(StringComparer.Ordinal).ToList();
                var places = models.Select((model, i) => (model, i)).ToDictionary(m => m.model, m => m.i, StringComparer.Ordinal);
                writer.Write7BitEncodedInt(models.Count);
                models.ForEach(writer.Write);
                writer.Write7BitEncodedInt(index.Lines.Count);
                var (number, end) = (0, 0L);
                foreach (var line in index.Lines)
                {
                    // Numbers and offsets as steps from the line before: small, so a byte or two each.
                    writer.Write7BitEncodedInt(line.Number - number);
                    writer.Write7BitEncodedInt64(line.Offset - end);
                    writer.Write7BitEncodedInt(line.Length);
                    (number, end) = (line.Number, line.Offset + line.Length);
                    if (line.Damaged)
                    {
                        writer.Write((byte)0);
                        continue;
                    }

                    writer.Write((byte)(Array.IndexOf(Outcomes, line.Outcome) + 1));
                    writer.Write(line.DatapointId!);
                    writer.Write7BitEncodedInt(places[line.ModelConfig!]);
                    writer.Write7BitEncodedInt(line.Trial);
                }

                writer.Write(CacheMagic);
            }

            File.Move(temporary, cache, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The index is still right; the next open builds it again.
            try
            {
                File.Delete(temporary);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do on a folder that refuses writes.
            }
        }
    }
}
