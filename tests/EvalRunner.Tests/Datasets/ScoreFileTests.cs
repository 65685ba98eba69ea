using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Datasets;

/// <summary>External score files are read by the dataset readers: the same checks, each problem a suite error with its line.</summary>
public sealed class ScoreFileTests
{
    private static string Suite(TempDirectory dir, string file)
    {
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        return dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels:\n  - {{provider: command, command: [python3, bot.py]}}\nevaluators:\n  - {{name: review, type: external, file: {file}, columns: {{rating: integer}}}}\n");
    }

    [Fact]
    public void A_score_CSV_with_a_ragged_row_and_a_duplicated_header_is_an_error_with_its_line()
    {
        using var dir = new TempDirectory();
        dir.File("ragged.csv", "id,rating\na,5\nb,4,extra\n");
        dir.File("twice.csv", "id,rating,rating\na,5,4\n");

        var ragged = Assert.Throws<SuiteException>(() => SuiteLoader.Load(Suite(dir, "ragged.csv"), TestSettings.With()));
        var twice = Assert.Throws<SuiteException>(() => SuiteLoader.Load(Suite(dir, "twice.csv"), TestSettings.With()));

        Assert.Equal("ragged.csv:3: this row has 3 cells but the header has 2 columns; quote cells that hold a comma", ragged.Message);
        Assert.Equal("twice.csv:1:3: rating: the header names column 'rating' twice; give each column its own name", twice.Message);
    }

    [Fact]
    public void A_score_CSV_or_JSONL_that_starts_with_a_UTF8_byte_order_mark_is_read()
    {
        using var dir = new TempDirectory();
        dir.File("excel.csv", "\ufeff\"id\",\"rating\"\r\n\"a\",\"5\"\r\n");
        dir.File("scores.jsonl", "\ufeff{\"id\":\"a\",\"rating\":5}\n");

        var fromCsv = SuiteLoader.Load(Suite(dir, "excel.csv"), TestSettings.With());
        var fromJsonl = SuiteLoader.Load(Suite(dir, "scores.jsonl"), TestSettings.With());

        Assert.Equal("review", Assert.Single(fromCsv.Evaluators).Name);
        Assert.Equal("review", Assert.Single(fromJsonl.Evaluators).Name);
    }

    [Fact]
    public void A_score_JSONL_with_a_lone_surrogate_and_a_bad_value_reports_both_lines()
    {
        using var dir = new TempDirectory();
        dir.File("scores.jsonl", "{\"id\":\"a\\ud800\",\"rating\":5}\n{\"id\":\"b\",\"rating\":\"great\"}\n");

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(Suite(dir, "scores.jsonl"), TestSettings.With()));

        var lines = ex.Message.Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("scores.jsonl:1: id: holds a string that is not valid text", lines[0], StringComparison.Ordinal);
        Assert.Equal("scores.jsonl:2: rating: 'great' is not a valid integer", lines[1]);
    }
}
