using System.Text.RegularExpressions;
using EvalRunner.Evaluators;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace EvalRunner.Tests;

/// <summary>The user-facing docs say what the product does: their tables render whole and their examples match.</summary>
public sealed partial class DocsTests
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private static string Read(string path) => File.ReadAllText(Path.Combine(Repository.Root, path));

    private static string CellText(TableCell cell) =>
        string.Concat(cell.Descendants<LiteralInline>().Select(l => l.Content.ToString()).Concat(cell.Descendants<CodeInline>().Select(c => c.Content)));

    private static List<string> FirstColumn(Table table) =>
        [.. table.OfType<TableRow>().Skip(1).Select(row => CellText((TableCell)row[0]))];

    [Fact]
    public void The_evaluator_table_in_suites_md_is_one_table_with_every_discovered_evaluator_kind_as_a_row()
    {
        var document = Markdown.Parse(Read("docs/suites.md"), Pipeline);
        var heading = document.Descendants<HeadingBlock>().Single(h => h.Level == 2 && h.Inline!.Descendants<LiteralInline>().Any(l => l.Content.ToString().StartsWith("Evaluators", StringComparison.Ordinal)));
        var section = document.Skip(document.IndexOf(heading) + 1).TakeWhile(block => block is not HeadingBlock).ToList();

        var table = Assert.Single(section.OfType<Table>());
        var header = (TableRow)table[0];
        Assert.Equal(["type", "options", "columns"], header.Select(c => CellText((TableCell)c)));
        Assert.Equal(EvaluatorKind.Types.Order(StringComparer.Ordinal), FirstColumn(table).Order(StringComparer.Ordinal));
        Assert.All(table.OfType<TableRow>(), row => Assert.Equal(3, row.Count));
    }

    [Fact]
    public void The_llm_judge_readme_names_the_placeholders_columns_and_thresholds_of_its_suite()
    {
        var readme = Read("examples/llm-judge/README.md");
        var suite = Read("examples/llm-judge/judge.eval.yaml");
        var intro = readme[..readme.IndexOf("How it works:", StringComparison.Ordinal)];
        var prompt = suite[suite.IndexOf("prompt: |", StringComparison.Ordinal)..suite.IndexOf("output_schema:", StringComparison.Ordinal)];

        // Each placeholder the README says the prompt uses is in the prompt, and each one in the prompt is named.
        var said = Placeholder().Matches(intro[..intro.IndexOf("a prompt may also use", StringComparison.Ordinal)]).Select(m => m.Value).ToHashSet();
        Assert.Equal(Placeholder().Matches(prompt).Select(m => m.Value).ToHashSet().Order(StringComparer.Ordinal), said.Order(StringComparer.Ordinal));

        // Every column of the output schema is named, and no other.
        var columns = ColumnName().Matches(suite[suite.IndexOf("output_schema:", StringComparison.Ordinal)..]).Select(m => "helpfulness." + m.Groups[1].Value).ToHashSet();
        Assert.Equal(columns.Order(StringComparer.Ordinal), Column().Matches(intro).Select(m => m.Value).ToHashSet().Order(StringComparer.Ordinal));
        Assert.Contains("at least 3", intro, StringComparison.Ordinal);
        Assert.Contains("helpfulness.actual_helpfulness >= 3", suite, StringComparison.Ordinal);
        Assert.Contains("mean(helpfulness.actual_helpfulness) >= 4", suite, StringComparison.Ordinal);
        Assert.Contains("mean(helpfulness.confidence_score) >= 0.5", suite, StringComparison.Ordinal);
    }

    [Fact]
    public void The_exit_code_table_in_the_readme_names_every_case()
    {
        var document = Markdown.Parse(Read("README.md"), Pipeline);
        var table = document.Descendants<Table>().Single(t => CellText((TableCell)((TableRow)t[0])[0]) == "exit code");
        var text = string.Join('\n', table.OfType<TableRow>().Skip(1).Select(row => string.Join(" | ", row.Select(c => CellText((TableCell)c)))));

        Assert.Equal(["0", "1", "2", "130"], FirstColumn(table).Distinct());
        foreach (var (code, words) in new[] { ("1", "threshold failed"), ("2", "invalid input"), ("2", "nothing was measured"), ("2", "budget stopped"), ("2", "provider fault"), ("2", "could not be written"), ("2", "replay"), ("130", "Ctrl-C"), ("130", "SIGTERM") })
        {
            Assert.Contains(text.Split('\n'), line => line.StartsWith(code + " |", StringComparison.Ordinal) && line.Contains(words, StringComparison.Ordinal));
        }
    }

    [GeneratedRegex(@"\{(input\.content|output\.content|generated_response|full_history|context\.[A-Za-z_]+)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"- name: (\w+)\n\s+type:")]
    private static partial Regex ColumnName();

    [GeneratedRegex(@"helpfulness\.\w+")]
    private static partial Regex Column();
}
