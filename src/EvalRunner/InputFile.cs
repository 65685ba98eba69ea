using System.Text;

namespace EvalRunner;

/// <summary>
/// Opens input files (suites, datasets, score files) as strict UTF-8 text, and turns a failure to read one (missing,
/// a directory, no permission, bytes that are not UTF-8) into a location and a message.
/// </summary>
internal static class InputFile
{
    /// <summary>
    /// UTF-8 that throws on invalid bytes instead of reading them as U+FFFD. Its preamble is the byte order mark, so a
    /// reader given it drops one at the start of a file (Excel's "CSV UTF-8", Notepad) instead of reading it as text.
    /// </summary>
    public static UTF8Encoding Utf8 { get; } = new(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    /// <summary>A reader of the file as strict UTF-8 (a byte order mark at its start is skipped).</summary>
    public static StreamReader OpenText(string path) => new(OpenRead(path), Utf8, detectEncodingFromByteOrderMarks: false);

    /// <summary>The whole file as strict UTF-8 text; a failure is a <see cref="SuiteException"/> at <paramref name="at"/>.</summary>
    public static string ReadAllText(string path, SourceLocation at)
    {
        try
        {
            using var reader = OpenText(path);
            return reader.ReadToEnd();
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            throw new SuiteException(at, $"'{path}' {Describe(ex)}", ex);
        }
    }

    /// <summary>The file for sequential reading.</summary>
    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>Whether <paramref name="exception"/> is a failure to read a file (access or encoding).</summary>
    public static bool IsReadFailure(Exception exception) =>
        exception is IOException or UnauthorizedAccessException or DecoderFallbackException;

    /// <summary>What went wrong reading the file, in words.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        DecoderFallbackException => "is not valid UTF-8 text; save the file as UTF-8",
        UnauthorizedAccessException => "cannot be read: permission denied",
        FileNotFoundException or DirectoryNotFoundException => "not found",
        _ => $"cannot be read: {exception.Message}",
    };

    /// <summary>The location of a read failure: for bytes that are not UTF-8, the line that holds them.</summary>
    public static SourceLocation Locate(string path, Exception exception) =>
        new(path, exception is DecoderFallbackException ? InvalidUtf8Line(path) : 0);

    /// <summary>The 1-based line of the first bytes that are not UTF-8; 0 when there are none or the file cannot be read.</summary>
    public static int InvalidUtf8Line(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            var line = 1;
            var start = 0;
            for (var i = 0; i <= bytes.Length; i++)
            {
                if (i < bytes.Length && bytes[i] != (byte)'\n')
                {
                    continue;
                }

                try
                {
                    Utf8.GetCharCount(bytes, start, i - start);
                }
                catch (DecoderFallbackException)
                {
                    return line;
                }

                line++;
                start = i + 1;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        return 0;
    }
}
