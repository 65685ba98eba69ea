using System.Buffers;
using System.Text;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Results;

public sealed class ResultsIndexTests
{
    private static string Line(string id, Outcome outcome, string input)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ResultsStore.WriteLine(buffer, new Row { DatapointId = id, ModelConfig = "m", Outcome = outcome, Input = input, Log = new Log { ModelConfig = "m" } }, settings: null, repeated: false);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Each_line_is_indexed_by_offset_with_its_id_and_outcome_and_a_damaged_line_keeps_its_number()
    {
        using var directory = new TempDirectory();
        var path = directory.File("results.jsonl", Line("a", Outcome.Pass, "héllo") + "{\"datapoint_id\":\"b\",\n" + Line("c", Outcome.Fail, "third"));

        var index = ResultsIndex.Build(path);

        Assert.Equal([1, 2, 3], index.Lines.Select(l => l.Number));
        Assert.Equal(["a", null, "c"], index.Lines.Select(l => l.DatapointId));
        Assert.Equal([Outcome.Pass, null, Outcome.Fail], index.Lines.Select(l => l.Outcome));
        Assert.True(index.Lines[1].Damaged);
        var rows = ResultsIndex.ReadRows(path, [index.Lines[2], index.Lines[0]]);
        Assert.Equal(["third", "héllo"], rows.Select(r => r!.Input));
    }
}
