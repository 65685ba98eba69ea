using System.Reflection;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Cli;

/// <summary>Broken and hostile input through the real <c>evalrunner</c> process: exit 2 with file and line, never a stack trace.</summary>
public sealed class CliInputTests
{
    private const string Rest = "models:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\nthresholds:\n  - length.words <= 5\n";

    private static void AssertNoStackTrace(BufferedCommandResult result)
    {
        var output = result.StandardOutput + result.StandardError;
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task A_CSV_dataset_with_ragged_rows_exits_2_listing_each_row_in_one_pass()
    {
        using var dir = new TempDirectory();
        dir.File("cases.csv", "id,input\na,hello\nb,one,two\nc,fine\nd,\"multi\nline\",extra\n");
        dir.File("s.eval.yaml", "dataset: cases.csv\n" + Rest);

        var run = await EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--out", "out"], TestContext.Current.CancellationToken);
        var validate = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "s.eval.yaml"], TestContext.Current.CancellationToken);

        foreach (var result in new[] { run, validate })
        {
            Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
            AssertNoStackTrace(result);
            Assert.Contains("cases.csv:3: this row has 3 cells but the header has 2 columns", result.StandardError, StringComparison.Ordinal);
            Assert.Contains("cases.csv:5: this row has 3 cells but the header has 2 columns", result.StandardError, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out", "s")), "nothing runs for an invalid dataset");
    }

    [Fact(Timeout = 60000)]
    public async Task A_YAML_alias_bomb_exits_2_at_once_naming_the_file_and_line()
    {
        using var dir = new TempDirectory();
        var bomb = "  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
            + string.Concat("bcdefghijklm".Select(level => $"  {level}: &{level} [{string.Join(",", Enumerable.Repeat("*" + (char)(level - 1), 9))}]\n"));
        dir.File("bomb.eval.yaml", "dataset: cases.jsonl\n" + Rest + "description:\n" + bomb);
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "bomb.eval.yaml"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        AssertNoStackTrace(result);
        Assert.Matches(@"bomb\.eval\.yaml:\d+:\d+: YAML aliases here expand the file to more than 1,000,000 nodes", result.StandardError);
    }

    [Fact(Timeout = 120000)]
    public async Task Nesting_100000_levels_deep_in_a_suite_or_a_dataset_exits_2_with_one_line_naming_file_and_line()
    {
        using var dir = new TempDirectory();
        var deep = new string('[', 100_000) + new string(']', 100_000);
        dir.File("deep.eval.yaml", "dataset: cases.jsonl\n" + Rest + "description: " + deep + "\n");
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        dir.File("cases.yaml", "- id: a\n  input: hi\n  context: {k: " + deep + "}\n");
        dir.File("yaml.eval.yaml", "dataset: cases.yaml\n" + Rest);
        dir.File("cases.json", "[{\"id\":\"a\",\"input\":\"hi\",\"context\":{\"k\":" + deep + "}}]\n");
        dir.File("json.eval.yaml", "dataset: cases.json\n" + Rest);

        var suite = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "deep.eval.yaml"], TestContext.Current.CancellationToken);
        var yaml = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "yaml.eval.yaml"], TestContext.Current.CancellationToken);
        var json = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "json.eval.yaml"], TestContext.Current.CancellationToken);

        foreach (var (result, expected) in new[]
        {
            (suite, "deep.eval.yaml:8:"), (yaml, "cases.yaml:3:"), (json, "cases.json:1:"),
        })
        {
            Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
            AssertNoStackTrace(result);
            var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected, line, StringComparison.Ordinal);
            Assert.Contains("levels deep", line, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task Validate_lists_every_problem_of_the_run_block_and_every_unknown_CSV_column_with_the_ragged_rows()
    {
        using var dir = new TempDirectory();
        dir.File("cases.csv", "id,inptu,contxt.topic,input\na,x,y,hi\nb,1,2,3,4\n");
        dir.File("csv.eval.yaml", "dataset: cases.csv\n" + Rest);
        dir.File("run.eval.yaml", "dataset: cases.csv\n" + Rest + "run:\n  concurrency: 0\n  retries: many\n");

        var csv = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "csv.eval.yaml"], TestContext.Current.CancellationToken);
        var run = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "run.eval.yaml"], TestContext.Current.CancellationToken);

        Assert.True(csv.ExitCode == 2, csv.StandardOutput + csv.StandardError);
        AssertNoStackTrace(csv);
        Assert.Contains("cases.csv:1:2: inptu: unknown column 'inptu'", csv.StandardError, StringComparison.Ordinal);
        Assert.Contains("cases.csv:1:3: contxt.topic: unknown column 'contxt.topic'", csv.StandardError, StringComparison.Ordinal);
        Assert.Contains("cases.csv:3: this row has 5 cells but the header has 4 columns", csv.StandardError, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 2, run.StandardOutput + run.StandardError);
        AssertNoStackTrace(run);
        Assert.Contains("run.concurrency: must be a whole number", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("run.retries: must be a whole number", run.StandardError, StringComparison.Ordinal);
    }

    [Fact(Timeout = 60000)]
    public async Task A_suite_with_a_tab_in_an_unclosed_flow_sequence_exits_2_without_a_stack_trace()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        dir.File("broken.eval.yaml", "dataset: cases.jsonl\nmodels:\n\t- [provider: command,\nevaluators:\n  - type: length\n");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "broken.eval.yaml"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        AssertNoStackTrace(result);
        Assert.Matches(@"error: broken\.eval\.yaml:\d+(:\d+)?: ", result.StandardError);
    }

    [Fact(Timeout = 180000)]
    public async Task Unknown_external_score_ids_are_a_warning_in_the_console_the_summary_and_run_json()
    {
        using var dir = new TempDirectory();

        // The copies are one repository, as the examples are: the suite reads the quickstart's dataset.
        Directory.CreateDirectory(Path.Combine(dir.Path, ".git"));
        foreach (var folder in new[] { "quickstart", "external-scores", "support-bot" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "examples", folder)))
            {
                dir.File(Path.Combine(folder, Path.GetFileName(file)), File.ReadAllText(file));
            }
        }

        File.AppendAllText(Path.Combine(dir.Path, "external-scores", "reviews.csv"), "refund-windw,5,true,bob\nremoved-one,3,false,bob\n");

        var validate = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "external-scores/review.eval.yaml"], TestContext.Current.CancellationToken);
        var run = await EvalRunnerCli.RunAsync(dir.Path, ["run", "external-scores/review.eval.yaml", "--out", "out", "--cache", "off"], TestContext.Current.CancellationToken);

        const string warning = "external evaluator 'review': 2 scores in reviews.csv match no datapoint: 'refund-windw', 'removed-one'";
        Assert.True(validate.ExitCode == 0, validate.StandardOutput + validate.StandardError);
        Assert.Contains("warning: " + warning, validate.StandardOutput, StringComparison.Ordinal);
        Assert.True(run.ExitCode is 0 or 1, run.StandardOutput + run.StandardError);
        Assert.Contains("warning: " + warning, run.StandardOutput, StringComparison.Ordinal);
        var summary = File.ReadAllText(Path.Combine(dir.Path, "out", "summary.md"));
        Assert.Contains("⚠️ **external\\-scores**: warning: external evaluator 'review': 2 scores in reviews.csv match no datapoint: 'refund\\-windw', 'removed\\-one'", summary, StringComparison.Ordinal);
        var runJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "external-scores", "run.json"))).RootElement;
        Assert.StartsWith(warning, runJson.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task An_evaluator_that_no_threshold_uses_is_a_warning_in_validate_the_run_and_the_summary()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "import sys\nprint('hello there')\n");
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"hi\"}\n");
        dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels:\n  - {provider: command, command: [python3, bot.py]}\n"
            + "evaluators:\n  - type: length\n  - {type: contains, value: hello}\nthresholds:\n  - length.words <= 5\n");

        var validate = await EvalRunnerCli.RunAsync(dir.Path, ["validate", "s.eval.yaml"], TestContext.Current.CancellationToken);
        var run = await EvalRunnerCli.RunAsync(dir.Path, ["run", "s.eval.yaml", "--out", "out", "--cache", "off"], TestContext.Current.CancellationToken);

        const string warning = "evaluator 'contains' is used by no threshold: its columns (contains.passed, contains.matched) are recorded but decide nothing";
        Assert.True(validate.ExitCode == 0, validate.StandardOutput + validate.StandardError);
        Assert.Contains("warning: " + warning, validate.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("evaluator 'length'", validate.StandardOutput, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Contains("warning: " + warning, run.StandardOutput, StringComparison.Ordinal);
        var summary = File.ReadAllText(Path.Combine(dir.Path, "out", "summary.md"));
        Assert.Contains("warning: evaluator 'contains' is used by no threshold", summary, StringComparison.Ordinal);
        var runJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "s", "run.json"))).RootElement;
        Assert.StartsWith(warning, Assert.Single(runJson.GetProperty("warnings").EnumerateArray()).GetString(), StringComparison.Ordinal);
    }
}
