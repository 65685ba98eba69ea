using System.Buffers;
using System.Text;
using EvalRunner.Evaluators;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Results;

public sealed class ResultsIndexTests
{
    private static string Line(string id, Outcome outcome, string input) => Line(new Row { DatapointId = id, ModelConfig = "m", Outcome = outcome, Input = input, Log = new Log { ModelConfig = "m" } });

    private static string Line(Row row, bool repeated = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ResultsStore.WriteLine(buffer, row, settings: null, repeated);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static Row Row(string id, string model = "m", Outcome outcome = Outcome.Pass, string input = "", string? response = null, string[]? rules = null, RunError? error = null, Evaluation[]? evaluations = null, int trial = 1, Log? log = null) => new()
    {
        DatapointId = id,
        ModelConfig = model,
        Trial = trial,
        Outcome = outcome,
        Input = input,
        Log = log ?? new Log { ModelConfig = model, Response = response },
        FailedRules = rules ?? [],
        Error = error,
        Evaluations = evaluations ?? [],
    };

    private static Evaluation Columns(string evaluator, params (string Name, object? Value)[] values) =>
        new() { Evaluator = evaluator, Values = values.ToDictionary(v => v.Name, v => v.Value) };

    [Fact]
    public void Each_line_is_indexed_by_offset_with_its_id_and_outcome_and_a_damaged_line_keeps_its_number()
    {
        using var directory = new TempDirectory();
        var path = directory.File("results.jsonl", Line("a", Outcome.Pass, "héllo") + "{\"datapoint_id\":\"b\",\n" + Line(Row("c", model: "other", outcome: Outcome.Fail, input: "third", trial: 2), repeated: true));

        var index = ResultsIndex.Build(path);

        Assert.Equal([1, 2, 3], index.Lines.Select(l => l.Number));
        Assert.Equal(["a", null, "c"], index.Lines.Select(l => l.DatapointId));
        Assert.Equal(["pass", null, "fail"], index.Lines.Select(l => l.Outcome));
        Assert.Equal(["m", null, "other"], index.Lines.Select(l => l.ModelConfig));
        Assert.Equal([1, 0, 2], index.Lines.Select(l => l.Trial));
        Assert.True(index.Lines[1].Damaged);
        var rows = ResultsIndex.ReadRows(path, [index.Lines[2], index.Lines[0]]);
        Assert.Equal(["third", "héllo"], rows.Select(r => r!.Input));
    }

    [Fact]
    public void A_line_is_damaged_exactly_when_the_results_reader_rejects_it()
    {
        using var directory = new TempDirectory();
        var good = Line("a", Outcome.Pass, "one").TrimEnd('\n');
        var refused = Line(Row("r", log: new Log { ModelConfig = "m", Status = LogStatus.Refused })).TrimEnd('\n');
        var texts = new[]
        {
            good, "null", "{}", "[]", "42", "\"text\"", "   ", good + " x", good[..^1],
            good.Replace("\"outcome\":\"pass\"", "\"outcome\":\"maybe\"", StringComparison.Ordinal),
            good.Replace("\"input\":\"one\"", "\"input\":1", StringComparison.Ordinal),
            good.Replace("\"input\":\"one\"", "\"input\":\"one\",\"extra\":{\"deep\":[1,2]}", StringComparison.Ordinal),
            "{\"trial\":\"two\"," + good[1..], "{\"trial\":3," + good[1..],
            refused, refused.Replace("refused", "bogus", StringComparison.Ordinal),
            good.Replace("\"datapoint_id\":\"a\",", string.Empty, StringComparison.Ordinal),
            good.Replace("\"input\":\"one\"", "\"input\":\"o@@ne\"", StringComparison.Ordinal),
        };
        // A byte order mark, CRLF line ends, an empty line, and text that is not UTF-8 (read as the replacement character).
        var bytes = new List<byte>([0xEF, 0xBB, 0xBF]);
        foreach (var text in texts)
        {
            var parts = text.Split("@@");
            bytes.AddRange(Encoding.UTF8.GetBytes(parts[0]));
            foreach (var part in parts.Skip(1))
            {
                bytes.AddRange([0xFF, 0xFE]);
                bytes.AddRange(Encoding.UTF8.GetBytes(part));
            }

            bytes.AddRange("\r\n"u8.ToArray());
        }

        bytes.AddRange("\n"u8.ToArray());
        bytes.AddRange(Encoding.UTF8.GetBytes(good));
        var path = Path.Combine(directory.Path, "results.jsonl");
        File.WriteAllBytes(path, [.. bytes]);
        var expected = File.ReadLines(path).Select((text, i) => (Number: i + 1, Text: text)).Where(l => l.Text.Length > 0)
            .Select(l => (l.Number, ResultsStore.ReadRow(l.Text)?.DatapointId)).ToList();

        var index = ResultsIndex.Build(path);

        Assert.Equal(expected, index.Lines.Select(l => (l.Number, l.DatapointId)));
        Assert.Contains(expected, l => l.DatapointId is null);
        Assert.Equal(texts.Length + 1, expected.Count);
        var rows = ResultsIndex.ReadRows(path, index.Lines);
        Assert.Equal(expected.Select(l => l.DatapointId), rows.Select(r => r?.DatapointId));
    }

    [Theory]
    [InlineData("\"datapoint_id\":\"a\"", "\"datapoint_id\":null")]
    [InlineData("\"model_config\":\"m\"", "\"model_config\":null")]
    [InlineData("\"input\":\"one\"", "\"input\":null")]
    [InlineData("\"failed_rules\":[]", "\"failed_rules\":null")]
    [InlineData("\"failed_rules\":[]", "\"failed_rules\":[null]")]
    [InlineData("\"evaluations\":{}", "\"evaluations\":null")]
    [InlineData("\"evaluations\":{}", "\"evaluations\":{\"judge\":null}")]
    public void A_line_whose_required_values_are_null_is_damaged_and_the_other_rows_are_served(string value, string replacement)
    {
        using var directory = new TempDirectory();
        var line = Line("a", Outcome.Pass, "one");
        Assert.Contains(value, line, StringComparison.Ordinal);
        var results = directory.File("run/results.jsonl", line.Replace(value, replacement, StringComparison.Ordinal) + Line("b", Outcome.Fail, "two"));
        var index = ResultsIndex.Open(results, Path.Combine(directory.Path, "cache"));

        var page = index.ReadPage(RowFilter.All, 0, 10);
        var text = index.ReadPage(new RowFilter { Text = "o" }, 0, 10);

        Assert.Equal([1], page.Damaged.Select(l => l.Number));
        Assert.Equal(["b"], page.Rows.Select(r => r.Row.DatapointId));
        Assert.Equal(["b"], text.Rows.Select(r => r.Row.DatapointId));
    }

    [Fact]
    public void A_row_needing_a_live_run_is_indexed_with_the_outcome_the_report_shows()
    {
        using var directory = new TempDirectory();
        var path = directory.File("results.jsonl", Line(Row("a", outcome: Outcome.Error, error: new RunError { Kind = ErrorKind.CacheMiss, Message = "not cached" }))
            + Line(Row("b", outcome: Outcome.Error, error: new RunError { Kind = ErrorKind.Generation, Message = "boom" })));

        var index = ResultsIndex.Build(path);

        Assert.Equal(["needs-live-run", "error"], index.Lines.Select(l => l.Outcome));
    }

    [Fact]
    public void Open_builds_the_index_into_the_cache_folder_and_reads_it_back_until_the_file_changes()
    {
        using var directory = new TempDirectory();
        var results = directory.File("run/results.jsonl", Line("a", Outcome.Pass, "one") + Line("b", Outcome.Fail, "two"));
        var cache = Path.Combine(directory.Path, "cache");

        var first = ResultsIndex.Open(results, cache);

        Assert.Equal(Path.GetFullPath(results), first.Path);
        Assert.Equal(["a", "b"], first.Lines.Select(l => l.DatapointId));
        Assert.Equal([results], Directory.GetFileSystemEntries(Path.GetDirectoryName(results)!));
        var cached = Assert.Single(Directory.GetFiles(cache));
        var bytes = File.ReadAllBytes(cached);

        // A cache file that were written again would carry a new time: the one read back keeps the time set here.
        var stamp = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(cached, stamp);
        var second = ResultsIndex.Open(results, cache);

        Assert.Equal(first.Lines, second.Lines);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(cached));
        Assert.Equal(bytes, File.ReadAllBytes(cached));
        Assert.Equal([cached], Directory.GetFiles(cache));

        File.AppendAllText(results, Line("c", Outcome.Error, "three"));
        var third = ResultsIndex.Open(results, cache);

        Assert.Equal(["a", "b", "c"], third.Lines.Select(l => l.DatapointId));
        Assert.NotEqual(stamp, File.GetLastWriteTimeUtc(cached));
        Assert.Equal([cached], Directory.GetFiles(cache));
        Assert.Equal([results], Directory.GetFileSystemEntries(Path.GetDirectoryName(results)!));
        Assert.Equal(third.Lines, ResultsIndex.Open(results, cache).Lines);
    }

    [Fact]
    public void A_cache_folder_that_is_the_results_folder_gets_no_file()
    {
        using var directory = new TempDirectory();
        var results = directory.File("run/results.jsonl", Line("a", Outcome.Pass, "one"));
        var folder = Path.GetDirectoryName(results)!;

        var index = ResultsIndex.Open(results, folder + Path.DirectorySeparatorChar);

        Assert.Equal(["a"], index.Lines.Select(l => l.DatapointId));
        Assert.Equal([results], Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void Files_of_the_same_name_in_different_folders_have_cache_files_of_their_own()
    {
        using var directory = new TempDirectory();
        var one = directory.File("one/results.jsonl", Line("a", Outcome.Pass, "one"));
        var two = directory.File("two/results.jsonl", Line("b", Outcome.Pass, "two"));
        var cache = Path.Combine(directory.Path, "cache");

        Assert.Equal(["a"], ResultsIndex.Open(one, cache).Lines.Select(l => l.DatapointId));
        Assert.Equal(["b"], ResultsIndex.Open(two, cache).Lines.Select(l => l.DatapointId));
        Assert.Equal(2, Directory.GetFiles(cache).Length);
        Assert.Equal(["a"], ResultsIndex.Open(one, cache).Lines.Select(l => l.DatapointId));
        Assert.Equal(["b"], ResultsIndex.Open(two, cache).Lines.Select(l => l.DatapointId));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("empty")]
    [InlineData("cut")]
    [InlineData("other version")]
    public void A_damaged_cache_file_is_built_again(string damage)
    {
        using var directory = new TempDirectory();
        var results = directory.File("run/results.jsonl", Line("a", Outcome.Pass, "one") + "{cut\n" + Line("b", Outcome.Fail, "two"));
        var cache = Path.Combine(directory.Path, "cache");
        var built = ResultsIndex.Open(results, cache);
        var cached = Assert.Single(Directory.GetFiles(cache));
        var good = File.ReadAllBytes(cached);
        var bad = damage switch
        {
            "garbage" => Encoding.UTF8.GetBytes(new string('x', 5000)),
            "empty" => [],
            "cut" => good[..(good.Length - 7)],
            _ => [.. good[..4], (byte)(good[4] + 1), .. good[5..]],
        };
        File.WriteAllBytes(cached, bad);

        var index = ResultsIndex.Open(results, cache);

        Assert.Equal(built.Lines, index.Lines);
        Assert.Equal(["a", null, "b"], index.Lines.Select(l => l.DatapointId));
        Assert.Equal(good, File.ReadAllBytes(cached));
    }

    [Fact]
    public void Opening_several_files_at_once_gives_each_its_own_index()
    {
        using var directory = new TempDirectory();
        var cache = Path.Combine(directory.Path, "cache");
        var files = Enumerable.Range(0, 4).Select(i => directory.File($"run{i}/results.jsonl", string.Concat(Enumerable.Range(0, 50 + i).Select(j => Line($"d{i}-{j}", Outcome.Pass, "text"))))).ToList();

        var indexes = new ResultsIndex[16];
        Parallel.For(0, indexes.Length, i => indexes[i] = ResultsIndex.Open(files[i % files.Count], cache));

        for (var i = 0; i < indexes.Length; i++)
        {
            Assert.Equal(50 + (i % files.Count), indexes[i].Lines.Count);
            Assert.Equal($"d{i % files.Count}-0", indexes[i].Lines[0].DatapointId);
        }

        Assert.Equal(files.Count, Directory.GetFiles(cache).Length);
    }

    [Fact]
    public void A_page_is_the_matching_rows_from_its_offset_read_by_offset()
    {
        using var directory = new TempDirectory();
        var results = directory.File("run/results.jsonl", string.Concat(Enumerable.Range(1, 7).Select(i => Line($"d{i}", Outcome.Pass, $"input {i}"))));
        var index = ResultsIndex.Open(results, Path.Combine(directory.Path, "cache"));

        var first = index.ReadPage(RowFilter.All, 0, 3);
        var last = index.ReadPage(RowFilter.All, 6, 3);
        var past = index.ReadPage(RowFilter.All, 10, 3);

        Assert.Equal((7, 7, 0), (first.Total, first.Matched, first.Offset));
        Assert.Equal(["d1", "d2", "d3"], first.Rows.Select(r => r.Row.DatapointId));
        Assert.Equal(["input 1", "input 2", "input 3"], first.Rows.Select(r => r.Row.Input));
        Assert.Equal([1, 2, 3], first.Rows.Select(r => r.Line.Number));
        Assert.Equal((7, 7, 6), (last.Total, last.Matched, last.Offset));
        Assert.Equal(["d7"], last.Rows.Select(r => r.Row.DatapointId));
        Assert.Equal((7, 7, 10), (past.Total, past.Matched, past.Offset));
        Assert.Empty(past.Rows);
        Assert.Empty(first.Damaged);
    }

    [Fact]
    public void Outcome_and_model_config_filters_pick_rows_from_the_index()
    {
        using var directory = new TempDirectory();
        var cacheMiss = new RunError { Kind = ErrorKind.CacheMiss, Message = "not in the cache" };
        var failure = new RunError { Kind = ErrorKind.Generation, Message = "boom" };
        var results = directory.File("run/results.jsonl", string.Concat(
            Line(Row("p1", "a")), Line(Row("f1", "a", Outcome.Fail)), Line(Row("e1", "b", Outcome.Error, error: failure)),
            Line(Row("n1", "b", Outcome.Error, error: cacheMiss)), Line(Row("f2", "b", Outcome.Fail)), Line(Row("p2", "b"))));
        var index = ResultsIndex.Open(results, Path.Combine(directory.Path, "cache"));

        string[] Ids(RowFilter filter, int offset = 0, int count = 100) => [.. index.ReadPage(filter, offset, count).Rows.Select(r => r.Row.DatapointId)];

        Assert.Equal(["f1", "f2"], Ids(new RowFilter { Outcome = "fail" }));
        Assert.Equal(["e1"], Ids(new RowFilter { Outcome = "error" }));
        Assert.Equal(["n1"], Ids(new RowFilter { Outcome = "needs-live-run" }));
        Assert.Equal(["p1", "p2"], Ids(new RowFilter { Outcome = "pass" }));
        Assert.Equal(["e1", "n1", "f2", "p2"], Ids(new RowFilter { ModelConfig = "b" }));
        Assert.Equal(["f2"], Ids(new RowFilter { ModelConfig = "b", Outcome = "fail" }));
        Assert.Equal(["f2"], Ids(new RowFilter { Outcome = "fail" }, offset: 1, count: 5));
        Assert.Empty(Ids(new RowFilter { ModelConfig = "B" }));
        var page = index.ReadPage(new RowFilter { ModelConfig = "b" }, 1, 2);
        Assert.Equal((6, 4, 1), (page.Total, page.Matched, page.Offset));
        Assert.Equal(["n1", "f2"], page.Rows.Select(r => r.Row.DatapointId));
    }

    [Fact]
    public void A_text_filter_matches_what_the_report_filter_matches_and_equals_filtering_every_parsed_row()
    {
        using var directory = new TempDirectory();
        var truncated = new Log { ModelConfig = "m", Response = "cut short", TruncatedOutput = true, OutputSha256 = "abc123" };
        var lines = new[]
        {
            Line(Row("plain", input: "What is the refund policy?", response: "Thirty days.")),
            Line(Row("quote", input: "He said \"hello\" twice", response: "ok")),
            Line(Row("backslash", input: "C:\\temp\\file.txt", response: "a path")),
            Line(Row("accent", input: "Un café, s'il vous plaît", response: "Voilà")),
            Line(Row("column", response: "nothing here", evaluations: [Columns("judge", ("label", "zebra-striped"), ("score", 0.75), ("passed", true))])),
            Line(Row("rule", outcome: Outcome.Fail, rules: ["length.words <= 120 (was 134)"])),
            Line(Row("error", outcome: Outcome.Error, error: new RunError { Kind = ErrorKind.Generation, Message = "the provider said no" })),
            Line(Row("live", outcome: Outcome.Error, error: new RunError { Kind = ErrorKind.CacheMiss, Message = "not cached" })),
            Line(Row("emoji", input: "smile 🙂 please", response: "sure", model: "other")),
            Line(Row("truncated", log: truncated)),
            Line(Row("newline", input: "two\nlines", response: "tab\there")),
            // Written by another tool that escapes what this one writes as is.
            Line(Row("escaped", input: "Crème brûlée")).Replace("è", "\\u00e8", StringComparison.Ordinal).Replace("û", "\\u00FB", StringComparison.Ordinal),
            "{\"datapoint_id\":\"damaged café\",\n",
        };
        var results = directory.File("run/results.jsonl", string.Concat(lines));
        var index = ResultsIndex.Open(results, Path.Combine(directory.Path, "cache"));
        var parsed = ResultsStore.ReadRows(Path.GetDirectoryName(results)!).ToList();
        Assert.Equal(12, parsed.Count);

        string[] Ids(RowFilter filter)
        {
            var page = index.ReadPage(filter, 0, 1000);
            var expected = parsed.Where(filter.Matches).Select(r => r.DatapointId).ToList();
            Assert.Equal(expected, page.Rows.Select(r => r.Row.DatapointId));
            Assert.Equal(expected.Count, page.Matched);
            Assert.Equal(12, page.Total);
            Assert.Equal([13], page.Damaged.Select(l => l.Number));
            return [.. expected];
        }

        Assert.Equal(["quote"], Ids(new RowFilter { Text = "\"hello\"" }));
        Assert.Equal(["quote"], Ids(new RowFilter { Text = "\"" }));
        Assert.Equal(["backslash"], Ids(new RowFilter { Text = "\\temp" }));
        Assert.Equal(["backslash"], Ids(new RowFilter { Text = "\\" }));
        Assert.Equal(["accent"], Ids(new RowFilter { Text = "café" }));
        Assert.Equal(["accent"], Ids(new RowFilter { Text = "CAFÉ" }));
        Assert.Equal(["accent", "escaped"], Ids(new RowFilter { Text = "É" }));
        Assert.Equal(["escaped"], Ids(new RowFilter { Text = "crème" }));
        Assert.Equal(["escaped"], Ids(new RowFilter { Text = "BRÛLÉE" }));
        Assert.Equal(["column"], Ids(new RowFilter { Text = "zebra" }));
        Assert.Equal(["column"], Ids(new RowFilter { Text = "0.75" }));
        Assert.Equal(["column", "truncated"], Ids(new RowFilter { Text = "TRUE", Outcome = "pass" }));
        Assert.Equal(["truncated"], Ids(new RowFilter { Text = "sha256 of the whole" }));
        Assert.Equal(["rule"], Ids(new RowFilter { Text = "was 134" }));
        Assert.Equal(["error"], Ids(new RowFilter { Text = "PROVIDER SAID" }));
        Assert.Equal(["live"], Ids(new RowFilter { Text = "live-run" }));
        Assert.Equal(["rule"], Ids(new RowFilter { Text = "fail" }));
        Assert.Equal(["emoji"], Ids(new RowFilter { Text = "🙂" }));
        Assert.Equal(["emoji"], Ids(new RowFilter { Text = "smile" }));
        Assert.Equal(["newline"], Ids(new RowFilter { Text = "two\nlines" }));
        Assert.Equal(["plain"], Ids(new RowFilter { Text = "REFUND" }));
        Assert.Equal(["plain"], Ids(new RowFilter { Text = "thirty days" }));
        Assert.InRange(Ids(new RowFilter { Text = "n", Outcome = "pass", ModelConfig = "m" }).Length, 3, 8);
        Assert.Empty(Ids(new RowFilter { Text = "datapoint_id" }));
        Assert.Empty(Ids(new RowFilter { Text = "nowhere at all" }));
        Assert.Empty(Ids(new RowFilter { Text = "smile", ModelConfig = "m" }));
        Assert.Equal(parsed.Select(r => r.DatapointId), Ids(new RowFilter { Text = "" }));
    }

    [Fact]
    public void A_text_filter_over_thousands_of_rows_equals_filtering_every_parsed_row()
    {
        using var directory = new TempDirectory();
        var text = new StringBuilder();
        for (var i = 0; i < 5000; i++)
        {
            var input = i % 7 == 0 ? $"a café order {i}" : i % 11 == 0 ? $"say \"when\" {i}" : $"plain {i}";
            text.Append(Line(Row($"d{i}", model: i % 2 == 0 ? "a" : "b", outcome: i % 5 == 0 ? Outcome.Fail : Outcome.Pass, input: input, response: $"answer {i % 13}")));
        }

        var results = directory.File("run/results.jsonl", text.ToString());
        var index = ResultsIndex.Open(results, Path.Combine(directory.Path, "cache"));
        var parsed = ResultsStore.ReadRows(Path.GetDirectoryName(results)!).ToList();

        foreach (var filter in new[] { new RowFilter { Text = "CAFÉ" }, new RowFilter { Text = "\"when\"" }, new RowFilter { Text = "answer 12" }, new RowFilter { Text = "ORDER 49", ModelConfig = "b" }, new RowFilter { Text = "a", Outcome = "fail" } })
        {
            var expected = parsed.Where(filter.Matches).Select(r => r.DatapointId).ToList();
            var page = index.ReadPage(filter, 10, 20);

            Assert.NotEmpty(expected);
            Assert.Equal(expected.Count, page.Matched);
            Assert.Equal(expected.Skip(10).Take(20), page.Rows.Select(r => r.Row.DatapointId));
        }
    }

    [Fact]
    public void A_damaged_line_is_listed_with_its_number_and_the_other_rows_are_still_served()
    {
        using var directory = new TempDirectory();
        var results = directory.File("run/results.jsonl", Line("a", Outcome.Pass, "one") + "{\"datapoint_id\":\"b\", oops}\n" + Line("c", Outcome.Fail, "three") + "\n" + Line("d", Outcome.Pass, "four") + Line("e", Outcome.Pass, "five")[..40]);
        var index = ResultsIndex.Open(results, Path.Combine(directory.Path, "cache"));

        var page = index.ReadPage(RowFilter.All, 0, 10);
        var text = index.ReadPage(new RowFilter { Text = "o" }, 0, 10);

        Assert.Equal([2, 6], page.Damaged.Select(l => l.Number));
        Assert.Equal(["a", "c", "d"], page.Rows.Select(r => r.Row.DatapointId));
        Assert.Equal([1, 3, 5], page.Rows.Select(r => r.Line.Number));
        Assert.Equal((3, 3), (page.Total, page.Matched));
        Assert.Equal([2, 6], text.Damaged.Select(l => l.Number));
        Assert.Equal(["a", "d"], text.Rows.Select(r => r.Row.DatapointId));
    }
}
