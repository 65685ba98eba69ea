using EvalRunner.Datasets;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Datasets;

/// <summary>Broken and hostile dataset files: each problem is a <see cref="DatasetException"/> naming file and line.</summary>
public sealed class DatasetInputTests
{
    private static async Task<List<Datapoint>> ReadAsync(string path)
    {
        var list = new List<Datapoint>();
        await foreach (var datapoint in Dataset.ReadAsync(path, TestContext.Current.CancellationToken))
        {
            list.Add(datapoint);
        }

        return list;
    }

    private static Task<int> CountAsync(TempDirectory dir, string dataset)
    {
        var suite = dir.File("s.eval.yaml", $"dataset: {dataset}\nmodels:\n  - {{provider: command, command: [python3, bot.py]}}\nevaluators:\n  - type: length\n");
        return RunEngine.CountDatapointsAsync(SuiteLoader.Load(suite, TestSettings.With()), null, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_CSV_row_with_more_cells_than_the_header_is_an_error_with_its_line()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.csv", "id,input\na,hello\nb,one,two\n");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

        Assert.Equal($"{path}:3: this row has 3 cells but the header has 2 columns; quote cells that hold a comma", ex.Message);
    }

    [Fact]
    public async Task A_CSV_header_that_names_a_column_twice_is_an_error_with_its_column()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.csv", "id,input,input\na,hello,again\n");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

        Assert.Equal($"{path}:1:3: input: the header names column 'input' twice; give each column its own name", ex.Message);
    }

    [Fact]
    public async Task A_multi_line_CSV_record_is_located_at_its_first_line()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.csv", "id,input\na,\"two\nlines\"\n\nb,\"three\nmore\nlines\",x\nc,\"ok\"\n");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));
        File.WriteAllText(path, "id,input\na,\"two\nlines\"\nb,\"three\nmore\nlines\"\nc,\"ok\"\n");
        var datapoints = await ReadAsync(path);

        Assert.Equal(5, ex.Location.Line);
        Assert.Equal([2, 4, 7], datapoints.Select(d => d.Location!.Value.Line));
        Assert.Equal("two\nlines", datapoints[0].Input);
    }

    [Fact]
    public async Task A_lone_surrogate_escape_in_JSONL_or_JSON_is_an_error_with_file_and_line()
    {
        using var dir = new TempDirectory();
        var jsonl = dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"fine\"}\n{\"id\":\"b\",\"input\":\"bad \\ud800 text\"}\n");
        var json = dir.File("cases.json", "[\n  {\"id\":\"a\",\"input\":\"fine\"},\n  {\"id\":\"b\",\"context\":{\"k\\udc00\":\"v\"},\"input\":\"x\"}\n]\n");

        var fromJsonl = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(jsonl));
        var fromJson = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(json));

        Assert.StartsWith($"{jsonl}:2: input: holds a string that is not valid text (a lone surrogate escape", fromJsonl.Message, StringComparison.Ordinal);
        Assert.Equal(3, fromJson.Location.Line);
        Assert.Contains("lone surrogate", fromJson.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_UTF8_byte_order_mark_is_accepted_and_dropped_in_every_dataset_format()
    {
        using var dir = new TempDirectory();
        var files = new[]
        {
            // Excel's "CSV UTF-8" quotes the header cells and starts with a byte order mark.
            dir.File("excel.csv", "\ufeff\"id\",\"input\"\r\n\"a\",\"hello\"\r\n"),
            dir.File("plain.csv", "\ufeffid,input\na,hello\n"),
            dir.File("cases.jsonl", "\ufeff{\"id\":\"a\",\"input\":\"hello\"}\n"),
            dir.File("cases.json", "\ufeff[{\"id\":\"a\",\"input\":\"hello\"}]\n"),
            dir.File("cases.yaml", "\ufeff- id: a\n  input: hello\n"),
            dir.File("mapping.yaml", "\ufeffdatapoints:\n  - id: a\n    input: hello\n"),
        };

        foreach (var path in files)
        {
            var datapoint = Assert.Single(await ReadAsync(path));
            Assert.Equal(("a", "hello"), (datapoint.Id, datapoint.Input));
        }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(64)]
    [InlineData(2000)]
    public async Task A_datapoint_nested_deeper_than_32_levels_is_an_error_with_file_and_line_in_every_format(int levels)
    {
        using var dir = new TempDirectory();

        // The datapoint is the first level and its context the second.
        var json = "{\"id\":\"a\",\"input\":\"hi\",\"context\":" + string.Concat(Enumerable.Repeat("{\"k\":", levels - 2)) + "{}" + new string('}', levels - 2) + "}";
        var yaml = "- id: a\n  input: hi\n  context: " + string.Concat(Enumerable.Repeat("{k: ", levels - 2)) + "{}" + new string('}', levels - 2) + "\n";
        var files = new[]
        {
            (Path: dir.File("cases.jsonl", "{\"id\":\"z\",\"input\":\"hi\"}\n" + json + "\n"), Line: 2),
            (Path: dir.File("cases.json", "[\n{\"id\":\"z\",\"input\":\"hi\"},\n" + json + "\n]\n"), Line: 3),
            (Path: dir.File("cases.yaml", "- id: z\n  input: hi\n" + yaml), Line: 5),
        };

        foreach (var (path, line) in files)
        {
            if (levels <= 32)
            {
                Assert.Equal(2, (await ReadAsync(path)).Count);
                continue;
            }

            var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

            Assert.Equal((path, line), (ex.Location.File, ex.Location.Line));
            Assert.Contains("nested more than 32 levels deep; a datapoint nests at most 32 levels", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Bytes_that_are_not_UTF8_are_an_error_with_file_and_line_not_a_replacement_character()
    {
        using var dir = new TempDirectory();
        var jsonl = Path.Combine(dir.Path, "cases.jsonl");
        File.WriteAllBytes(jsonl, [.. "{\"id\":\"a\",\"input\":\"fine\"}\n{\"id\":\"b\",\"input\":\"caf"u8, 0xC3, 0x28, .. "\"}\n"u8]);
        var csv = Path.Combine(dir.Path, "cases.csv");
        File.WriteAllBytes(csv, [.. "id,input\na,ok\nb,caf"u8, 0xFF, (byte)'\n']);
        var json = Path.Combine(dir.Path, "cases.json");
        File.WriteAllBytes(json, [.. "[\n{\"id\":\"a\",\"input\":\"caf"u8, 0xFF, .. "\"}\n]"u8]);

        var fromJsonl = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(jsonl));
        var fromCsv = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(csv));
        var fromJson = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(json));

        Assert.Equal($"{jsonl}:2: is not valid UTF-8 text; save the file as UTF-8", fromJsonl.Message);
        Assert.Equal($"{csv}:3: is not valid UTF-8 text; save the file as UTF-8", fromCsv.Message);
        Assert.Equal(json, fromJson.Location.File);
        Assert.Equal(2, fromJson.Location.Line);
    }

    [Fact]
    public async Task An_explicit_type_tag_in_a_YAML_dataset_is_an_error_with_its_line()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.yaml", "- id: a\n  input: hi\n- id: b\n  input: !!binary aGVsbG8=\n");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

        Assert.Equal(4, ex.Location.Line);
        Assert.Contains("explicit YAML tags", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CSV_header_reports_every_unknown_column_and_the_ragged_rows_in_one_pass()
    {
        using var dir = new TempDirectory();
        dir.File("cases.csv", "id,inptu,contxt.topic,input\na,x,y,hi\nb,1,2,3,4\nc,x,y,fine\nd,1,2,3,4,5\n");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => CountAsync(dir, "cases.csv"));

        var lines = ex.Message.Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Contains("cases.csv:1:2: inptu: unknown column 'inptu' (did you mean 'input'?)", lines[0], StringComparison.Ordinal);
        Assert.Contains("cases.csv:1:3: contxt.topic: unknown column 'contxt.topic'", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("cases.csv:3: this row has 5 cells but the header has 4 columns; quote cells that hold a comma", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("cases.csv:5: this row has 6 cells but the header has 4 columns; quote cells that hold a comma", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Counting_the_datapoints_reports_every_problem_of_the_dataset_in_one_pass()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", """
            {"id": "a", "input": "fine"}
            {"id": "b", "inptu": "typo"}
            {"id": "c",
            {"id": "a", "input": "again"}
            {"id": "e", "input": 5}
            {"id": "f", "input": "fine"}
            """);

        var ex = await Assert.ThrowsAsync<DatasetException>(() => CountAsync(dir, "cases.jsonl"));

        var lines = ex.Message.Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Contains("cases.jsonl:2: inptu: unknown field", lines[0], StringComparison.Ordinal);
        Assert.Contains("cases.jsonl:3: not valid JSON", lines[1], StringComparison.Ordinal);
        Assert.Contains("cases.jsonl:4: id: duplicate datapoint id 'a'", lines[2], StringComparison.Ordinal);
        Assert.Contains("cases.jsonl:5: input: must be a string", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CSV_dataset_with_many_ragged_rows_reports_fifty_and_how_many_more()
    {
        using var dir = new TempDirectory();
        dir.File("cases.csv", "id,input\n" + string.Concat(Enumerable.Range(0, 70).Select(i => $"d{i},one,two\n")));

        var ex = await Assert.ThrowsAsync<DatasetException>(() => CountAsync(dir, "cases.csv"));

        var lines = ex.Message.Split('\n');
        Assert.Equal(51, lines.Length);
        Assert.EndsWith("cases.csv:2: this row has 3 cells but the header has 2 columns; quote cells that hold a comma", lines[0], StringComparison.Ordinal);
        Assert.Equal("and 20 more problems", lines[^1]);
    }
}
