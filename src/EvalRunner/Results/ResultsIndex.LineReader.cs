using Microsoft.Win32.SafeHandles;

namespace EvalRunner.Results;

internal sealed partial class ResultsIndex
{
    /// <summary>
    /// Reads lines by offset, in file order, through one buffer: a chunk from each line not yet read on, so that lines
    /// close together cost one read and the whole file is read at most once.
    /// </summary>
    private sealed class LineReader(string path) : IDisposable
    {
        private readonly SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        private byte[] buffer = [];
        private char[] chars = [];
        private long start;
        private int filled;

        /// <summary>The bytes of <paramref name="line"/>, valid until the next read.</summary>
        /// <exception cref="IOException">The file is shorter than the index says (it was replaced).</exception>
        public ReadOnlySpan<byte> Read(ResultsLine line)
        {
            if (line.Offset < start || line.Offset + line.Length > start + filled)
            {
                if (buffer.Length < line.Length || buffer.Length == 0)
                {
                    buffer = new byte[Math.Max(line.Length, ChunkSize)];
                }

                start = line.Offset;
                filled = 0;
                int read;
                while (filled < line.Length && (read = RandomAccess.Read(handle, buffer.AsSpan(filled), start + filled)) > 0)
                {
                    filled += read;
                }

                if (filled < line.Length)
                {
                    throw new EndOfStreamException($"{path}: line {line.Number} is cut short; the file changed since it was indexed");
                }
            }

            return buffer.AsSpan((int)(line.Offset - start), line.Length);
        }

        /// <summary>The text of <paramref name="line"/> (not UTF-8: the replacement character), valid until the next read.</summary>
        public ReadOnlySpan<char> ReadText(ResultsLine line)
        {
            var bytes = Read(line);
            if (chars.Length < bytes.Length)
            {
                chars = new char[Math.Max(bytes.Length, chars.Length * 2)];
            }

            return chars.AsSpan(0, System.Text.Encoding.UTF8.GetChars(bytes, chars));
        }

        public void Dispose() => handle.Dispose();
    }
}
