using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Suites;

/// <summary>Hostile and broken suite files: each is a <see cref="SuiteException"/> naming file and line, never another exception.</summary>
public sealed class SuiteInputTests
{
    private const string Rest = "models:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\nthresholds:\n  - length.words <= 5\n";

    private static TempDirectory Setup()
    {
        var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        return dir;
    }

    [Fact]
    public void A_tab_inside_an_unclosed_flow_sequence_is_a_suite_error_with_a_line()
    {
        using var dir = Setup();
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n\t- [provider: command,\n" + Rest[7..]);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal(path, ex.Location.File);
        Assert.True(ex.Location.Line >= 1, ex.Message);
        Assert.StartsWith($"{path}:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_bomb_is_rejected_at_once_naming_file_and_line()
    {
        using var dir = Setup();
        var bomb = new System.Text.StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            bomb.Append(level).Append(": &").Append(level).Append(" [").Append(string.Join(",", Enumerable.Repeat("*" + previous, 9))).Append("]\n");
        }

        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\n" + Rest + "description:\n  " + bomb.ToString().Replace("\n", "\n  ", StringComparison.Ordinal));

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal(path, ex.Location.File);
        Assert.InRange(ex.Location.Line, 8, 20);
        Assert.Contains("aliases", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1,000,000 nodes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_suite_and_a_schema_file_that_start_with_a_UTF8_byte_order_mark_load()
    {
        using var dir = Setup();
        dir.File("schema.json", "\ufeff{\"type\": \"object\"}");
        var path = dir.File("s.eval.yaml", "\ufeffname: greeting\ndataset: cases.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\n"
            + "evaluators:\n  - {type: json-schema, schema_file: schema.json}\nthresholds:\n  - rate(json-schema.passed) >= 0.5\n");

        var suite = SuiteLoader.Load(path, TestSettings.With());

        Assert.Equal("greeting", suite.Name);
        Assert.Equal("json-schema", Assert.Single(suite.Evaluators).Name);
    }

    [Fact]
    public void A_suite_nested_deeper_than_64_levels_is_a_suite_error_with_its_line()
    {
        using var dir = Setup();
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\n" + Rest + "description: " + new string('[', 200) + new string(']', 200) + "\n");
        var fits = dir.File("fits.eval.yaml", "dataset: cases.jsonl\n" + Rest + "description: " + new string('[', 63) + new string(']', 63) + "\n");

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal((path, 8), (ex.Location.File, ex.Location.Line));
        Assert.Contains("nested more than 64 levels deep; a suite file nests at most 64 levels", ex.Message, StringComparison.Ordinal);
        Assert.Equal("fits", SuiteLoader.Load(fits, TestSettings.With()).Name);
    }

    [Fact]
    public void An_inline_datapoint_nested_deeper_than_32_levels_is_an_error_with_its_line()
    {
        using var dir = Setup();
        var context = string.Concat(Enumerable.Repeat("{k: ", 31)) + "{}" + new string('}', 31);
        var path = dir.File("s.eval.yaml", "dataset:\n  - {id: a, input: hi}\n  - {id: b, input: hi, context: " + context + "}\n" + Rest);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal((path, 3), (ex.Location.File, ex.Location.Line));
        Assert.Contains("nested more than 32 levels deep; a datapoint nests at most 32 levels", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("!<!System.Diagnostics.Process,System> {}")]
    [InlineData("!!binary aGVsbG8=")]
    [InlineData("!custom hello")]
    [InlineData("!!str hello")]
    public void An_explicit_type_tag_is_rejected_with_file_and_line(string value)
    {
        using var dir = Setup();
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\n" + Rest + "description: " + value + "\n");

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal(8, ex.Location.Line);
        Assert.Contains("explicit YAML tags", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_problem_of_a_suite_is_reported_in_one_pass_each_with_file_line_column_and_field()
    {
        using var dir = Setup();
        var path = dir.File("s.eval.yaml", """
            dataset: cases.jsonl
            modls: 1
            models:
              - {provider: comand, command: [python3, bot.py]}
              - {provider: command, command: [python3, bot.py], temperature: 9}
            evaluators:
              - type: lenght
              - type: contains
                ignore_cse: true
            thresholds:
              - mean(contains.passd) >= 0.9
            run:
              concurrency: 0
            """);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        var lines = ex.Message.Split('\n');
        Assert.Equal(7, lines.Length);
        Assert.Equal(2, ex.Location.Line);
        Assert.All(lines, line => Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(path)}:\d+:\d+: [a-z_\[\]0-9.]+: ", line));
        Assert.Contains(lines, line => line.Contains(":2:1: modls: unknown key", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains(":4:16: models[0].provider: unknown provider 'comand'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("models[1].temperature: must be a number", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("evaluators[0].type: unknown evaluator type 'lenght'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("evaluators[1].ignore_cse: unknown key", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("thresholds[0]:", StringComparison.Ordinal) && line.Contains("contains.passd", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("run.concurrency: must be a whole number", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_of_the_run_block_and_thresholds_over_evaluators_with_a_bad_option_are_reported_in_one_pass()
    {
        using var dir = Setup();
        dir.File("quality.py", "def main(**kwargs):\n    return {'score': 1.0}\n");
        var path = dir.File("s.eval.yaml", """
            dataset: cases.jsonl
            models:
              - {provider: command, command: [python3, bot.py]}
            evaluators:
              - {type: contains, value: x, ignore_case: maybe}
              - {type: regex, pattern: "("}
              - {name: quality, type: python, file: quality.py, timeout: soon, columns: {score: float}}
              - {name: s, type: length, sample: 2}
            thresholds:
              - rate(contains.passd) >= 0.9
              - rate(regex.matchd) >= 0.9
              - mean(quality.scor) >= 0.5
              - s.word <= 5
              - rate(contains.passed) >= 0.9
            run:
              concurrency: 0
              retries: many
              timeout: soon
              repeat: 3
              min_passes: 5
              replay_missing: never
            """);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        var lines = ex.Message.Split('\n');
        Assert.Contains(lines, line => line.Contains("evaluators[0].ignore_case: must be true or false", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("evaluators[1].pattern: not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("evaluators[2].timeout: must be a duration", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("evaluators[3].sample: must be a number", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("thresholds[0]:", StringComparison.Ordinal) && line.Contains("unknown column 'contains.passd'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("thresholds[1]:", StringComparison.Ordinal) && line.Contains("unknown column 'regex.matchd'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("thresholds[2]:", StringComparison.Ordinal) && line.Contains("unknown column 'quality.scor'", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("thresholds[3]:", StringComparison.Ordinal) && line.Contains("unknown column 's.word'", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("thresholds[4]", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("run.concurrency: must be a whole number", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("run.retries: must be a whole number", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("run.timeout: must be a duration", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("run.min_passes: must be from 1 to run.repeat (3), not 5", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("run.replay_missing: must be 'skip' or 'fail', not 'never'", StringComparison.Ordinal));
        Assert.Equal(13, lines.Length);
    }

    [Fact]
    public void More_than_fifty_problems_list_fifty_and_then_how_many_more()
    {
        using var dir = Setup();
        var unknown = string.Concat(Enumerable.Range(0, 60).Select(i => $"extra{i}: 1\n"));
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\n" + Rest + unknown);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        var lines = ex.Message.Split('\n');
        Assert.Equal(51, lines.Length);
        Assert.Equal("and 10 more problems", lines[^1]);
    }

    [Fact]
    public void Thresholds_over_an_evaluator_that_failed_to_read_are_not_reported_again()
    {
        using var dir = Setup();
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - {name: words, type: length, bogus: 1}\nthresholds:\n  - words.words <= 5\n");

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal($"{path}:5:33: evaluators[0].bogus: unknown key 'bogus'; allowed here: type, name, sample", ex.Message);
    }

    [Fact]
    public void A_directory_bytes_that_are_not_UTF8_and_a_missing_file_are_suite_errors_with_the_file()
    {
        using var dir = Setup();
        var folder = Directory.CreateDirectory(Path.Combine(dir.Path, "folder.eval.yaml")).FullName;
        var binary = Path.Combine(dir.Path, "binary.eval.yaml");
        File.WriteAllBytes(binary, [.. "dataset: cases.jsonl\n"u8, .. "name: caf"u8, 0xC3, 0x28, (byte)'\n']);

        var isFolder = Assert.Throws<SuiteException>(() => SuiteLoader.Load(folder, TestSettings.With()));
        var notText = Assert.Throws<SuiteException>(() => SuiteLoader.Load(binary, TestSettings.With()));
        var missing = Assert.Throws<SuiteException>(() => SuiteLoader.Load(Path.Combine(dir.Path, "none.eval.yaml"), TestSettings.With()));

        Assert.Equal($"{folder}: is a directory; give the suite file (NAME.eval.yaml)", isFolder.Message);
        Assert.Equal($"{binary}:2: is not valid UTF-8 text; save the file as UTF-8", notText.Message);
        Assert.EndsWith("none.eval.yaml: suite file not found", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dataset_that_is_a_directory_is_reported_at_the_dataset_key()
    {
        using var dir = Setup();
        Directory.CreateDirectory(Path.Combine(dir.Path, "data.jsonl"));
        var path = dir.File("s.eval.yaml", "dataset: data.jsonl\n" + Rest);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Equal($"{path}:1:10: dataset: 'data.jsonl' is a directory; give the dataset file", ex.Message);
    }
}
