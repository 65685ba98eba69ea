using EvalRunner.Cli;

namespace EvalRunner.Tests.Secrets;

public sealed class RedactingWriterTests
{
    private const string Key = "sk-test-EVAL9f3K+q7Z/p2Lx8Wmabcd";

    [Fact]
    public void A_secret_written_in_pieces_is_redacted_when_its_line_ends_or_the_writer_flushes()
    {
        var settings = TestSettings.With();
        settings.AddSecret(Key);
        var inner = new StringWriter();
        var writer = new RedactingWriter(inner, settings);

        writer.Write(Key[..5]);
        writer.Write(Key[5..20].ToCharArray());
        writer.Write(Key[20]);
        writer.WriteLine(Key[21..]);
        writer.Write("progress " + Key[..10]);
        writer.Write(Key[10..] + "\r");
        writer.Write("unfinished " + Key);
        var beforeFlush = inner.ToString();
        writer.Flush();

        Assert.Equal("***" + Environment.NewLine + "progress ***\r", beforeFlush);
        Assert.Equal("***" + Environment.NewLine + "progress ***\runfinished ***", inner.ToString());
    }
}
