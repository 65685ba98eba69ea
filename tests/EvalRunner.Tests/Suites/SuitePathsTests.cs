using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Suites;

/// <summary>Files a suite names stay inside its repository unless outside paths are allowed.</summary>
public sealed class SuitePathsTests
{
    private const string Rest = "models:\n  - {provider: command, command: [python3, -c, \"print(1)\"]}\nevaluators:\n  - type: length\n";

    private static Suite Load(string path, bool allowOutside = false) =>
        SuiteLoader.Load(path, new SuiteLoadOptions { Settings = TestSettings.With(), AllowOutsidePaths = allowOutside });

    [Fact]
    public void Without_git_the_suites_folder_is_the_repository_and_files_below_it_in_any_folder_need_no_opt_in()
    {
        using var dir = new TempDirectory();
        dir.File("suite/data/deep/cases.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        dir.File("suite/scores/review.csv", "id,rating\na,3\n");
        var path = dir.File("suite/s.eval.yaml", "dataset: data/deep/cases.jsonl\n" + Rest + "  - {name: review, type: external, file: scores/review.csv, columns: {rating: integer}}\n");

        var suite = Load(path);

        Assert.Equal(["dataset", "evaluators[1].file"], suite.Files.Select(f => f.Field));
    }

    [Theory]
    [InlineData("dataset: ../outside.jsonl\n" + Rest, "dataset", "../outside.jsonl")]
    [InlineData("dataset: cases.jsonl\n" + Rest + "  - {name: py, type: python, file: ../score.py}\n", "evaluators[1].file", "../score.py")]
    [InlineData("dataset: cases.jsonl\n" + Rest + "  - {name: review, type: external, file: ../../review.csv, columns: {rating: integer}}\n", "evaluators[1].file", "../../review.csv")]
    [InlineData("dataset: cases.jsonl\n" + Rest + "  - {name: schema, type: json-schema, schema_file: ../schema.json}\n", "evaluators[1].schema_file", "../schema.json")]
    public void A_file_outside_the_repository_is_refused_naming_the_field_the_path_and_the_opt_in(string yaml, string field, string relative)
    {
        using var dir = new TempDirectory();
        dir.File("a/outside.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        dir.File("a/score.py", "def main(**kwargs):\n    return {}\n");
        dir.File("review.csv", "id,rating\na,3\n");
        dir.File("a/schema.json", "{\"type\": \"object\"}");
        dir.File("a/b/cases.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        var path = dir.File("a/b/s.eval.yaml", yaml);

        var ex = Assert.Throws<SuiteException>(() => Load(path));
        var allowed = Load(path, allowOutside: true);

        Assert.Equal(field, ex.Location.Field);
        Assert.Contains($"'{relative}' is outside the suite's repository {Path.Combine(dir.Path, "a", "b")}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-outside-paths", ex.Message, StringComparison.Ordinal);
        Assert.Contains(allowed.Files, f => f.Field == field);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Inside_a_git_work_tree_any_file_of_the_tree_needs_no_opt_in_and_a_file_beyond_it_does(bool gitFolder)
    {
        using var dir = new TempDirectory();
        if (gitFolder)
        {
            Directory.CreateDirectory(Path.Combine(dir.Path, "repo", ".git"));
        }
        else
        {
            // A linked work tree or a submodule has a .git file.
            dir.File("repo/.git", "gitdir: /elsewhere/.git/worktrees/repo\n");
        }

        dir.File("repo/data/cases.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        dir.File("beyond.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        var inside = dir.File("repo/evals/in.eval.yaml", "dataset: ../data/cases.jsonl\n" + Rest);
        var outside = dir.File("repo/evals/out.eval.yaml", "dataset: ../../beyond.jsonl\n" + Rest);

        var suite = Load(inside);
        var ex = Assert.Throws<SuiteException>(() => Load(outside));

        Assert.Single(suite.Files);
        Assert.Contains($"outside the suite's repository {Path.Combine(dir.Path, "repo")}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_link_inside_the_repository_that_leads_outside_is_refused_and_one_that_stays_inside_is_not()
    {
        using var dir = new TempDirectory();
        var secret = dir.File("secret.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        var real = dir.File("suite/data/real.jsonl", "{\"id\":\"a\",\"input\":\"q\"}\n");
        File.CreateSymbolicLink(Path.Combine(dir.Path, "suite", "leak.jsonl"), secret);
        File.CreateSymbolicLink(Path.Combine(dir.Path, "suite", "alias.jsonl"), real);
        Directory.CreateSymbolicLink(Path.Combine(dir.Path, "suite", "up"), dir.Path);
        var leak = dir.File("suite/leak.eval.yaml", "dataset: leak.jsonl\n" + Rest);
        var throughFolder = dir.File("suite/folder.eval.yaml", "dataset: up/secret.jsonl\n" + Rest);
        var alias = dir.File("suite/alias.eval.yaml", "dataset: alias.jsonl\n" + Rest);

        var direct = Assert.Throws<SuiteException>(() => Load(leak));
        var viaFolder = Assert.Throws<SuiteException>(() => Load(throughFolder));
        var fine = Load(alias);

        Assert.Contains($"(a symbolic link to {secret})", direct.Message, StringComparison.Ordinal);
        Assert.Contains($"(a symbolic link to {secret})", viaFolder.Message, StringComparison.Ordinal);
        Assert.Single(fine.Files);
    }
}
