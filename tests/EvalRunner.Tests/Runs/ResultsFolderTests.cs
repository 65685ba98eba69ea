using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Runs;

/// <summary>Where a suite's results go: one folder name for every front end, never outside the results folder.</summary>
public sealed class ResultsFolderTests
{
    private const string Rest = "dataset:\n  - {id: a, input: hi}\nmodels:\n  - {provider: command, command: [python3, bot.py]}\nevaluators:\n  - type: length\nthresholds:\n  - length.words <= 5\n";

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("...")]
    [InlineData("\"\"")]
    public void A_suite_name_that_makes_no_folder_of_its_own_is_refused_at_load_with_its_line(string name)
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "print('hi')\n");
        var path = dir.File("s.eval.yaml", $"# a suite\nname: {name}\n{Rest}");

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.StartsWith($"{path}:2:7: name: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("results folder", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escaped", "..-escaped")]
    [InlineData("gen v2/nightly", "gen-v2-nightly")]
    [InlineData("support", "support")]
    public void A_suites_results_folder_is_its_slug_inside_the_results_folder(string name, string folder)
    {
        var root = Path.Combine(Path.GetTempPath(), "results");

        var directory = ResultsStore.SuiteDirectory(root, name);

        Assert.Equal(Path.Combine(root, folder), directory);
    }

    [Fact(Timeout = 180000)]
    public async Task Two_suites_of_one_run_whose_names_make_the_same_folder_are_refused_before_anything_runs()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", "print('hi')\n");
        var first = dir.File("a.eval.yaml", $"name: gen v2/nightly\n{Rest}");
        var second = dir.File("b.eval.yaml", $"name: gen-v2-nightly\n{Rest}");

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", first, second, "--out", "out"], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        Assert.Contains($"{second}:1:7: name: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("gen-v2-nightly", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out")));
    }
}
