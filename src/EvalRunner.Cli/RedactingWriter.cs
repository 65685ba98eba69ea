using System.Text;

namespace EvalRunner.Cli;

/// <summary>
/// The CLI's standard output and error: every line passes <see cref="Settings.Redact"/> before it reaches the
/// terminal or the CI log, whatever printed it (progress, tables, errors, the SDKs). Text is held until the end of its
/// line (<c>\n</c> or <c>\r</c>) or a flush, so that a secret written in pieces is still seen whole.
/// </summary>
internal sealed class RedactingWriter(TextWriter inner, Settings settings) : TextWriter
{
    private readonly StringBuilder _line = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(ReadOnlySpan<char> buffer)
    {
        lock (_lock)
        {
            _line.Append(buffer);
            var end = buffer.LastIndexOfAny('\n', '\r');
            if (end >= 0)
            {
                // Everything up to the last line end is complete; the rest waits for its line to end.
                var complete = _line.Length - (buffer.Length - end - 1);
                inner.Write(settings.Redact(_line.ToString(0, complete)));
                _line.Remove(0, complete);
            }
        }
    }

    public override void Flush()
    {
        lock (_lock)
        {
            if (_line.Length > 0)
            {
                inner.Write(settings.Redact(_line.ToString()));
                _line.Clear();
            }

            inner.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }
}
