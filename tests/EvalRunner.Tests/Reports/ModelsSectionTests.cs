using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;

namespace EvalRunner.Tests.Reports;

public sealed class ModelsSectionTests
{
    private const string Rule = "mean(contains.passed) >= 0.5";

    [Fact(Timeout = 180000)]
    public async Task The_side_by_side_table_shows_each_configs_aggregate_with_its_interval_as_the_aggregate_table_does()
    {
        using var dir = new TempDirectory();
        var reports = await ModelsFixture.RunAsync(dir, TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports, "out/summary.md");

        var aggregates = reports.Single().Run.Aggregates;
        Assert.Equal(3, aggregates.Count);
        Assert.All(aggregates, a => Assert.NotNull(a.Lower));
        var cells = string.Join(" | ", aggregates.Select(a => $"{ReportValues.WithInterval(a)} {(a.Passed ? "✅" : "❌")}"));
        Assert.Contains($"| {MarkdownText.Cell(Rule)} | {cells} |", markdown, StringComparison.Ordinal);
        Assert.Contains("[", cells, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Three_model_configs_show_the_aggregates_by_config_and_the_datapoints_they_disagree_on_first_escaped()
    {
        using var dir = new TempDirectory();
        var reports = await ModelsFixture.RunAsync(dir, TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports, "out/summary.md");

        var third = MarkdownText.Cell(ModelsFixture.Third);
        Assert.Contains("### Model configs side by side: side", markdown, StringComparison.Ordinal);
        Assert.Contains($"| rule | base | candidate | {third} |", markdown, StringComparison.Ordinal);
        Assert.Contains($"| {MarkdownText.Cell(Rule)} | 1 [0.8865, 1] ✅ | 0.3333 [0.1923, 0.5122] ❌ | 0.5 [0.3315, 0.6685] ✅ |", markdown, StringComparison.Ordinal);
        // The suite's aggregates are in its side-by-side table, not again in the one-config table.
        Assert.DoesNotContain("### Aggregate thresholds", markdown, StringComparison.Ordinal);
        Assert.Contains("Configs disagree on 25 of 30 datapoints. Each cell: outcome · contains.passed.", markdown, StringComparison.Ordinal);

        // Each config against the first, on the pass/fail flips: 20 and 15 datapoints pass only with base, none the other
        // way: two-sided exact McNemar p = 2 × 0.5^20 and 2 × 0.5^15.
        Assert.Contains("- candidate vs base, on 30 datapoints both measured: 20 pass only with base, 0 only with candidate; exact McNemar p = 1.9e-06 (two-sided): a significant difference at 0.05.", markdown, StringComparison.Ordinal);
        Assert.Contains($"- {third} vs base, on 30 datapoints both measured: 15 pass only with base, 0 only with {third}; exact McNemar p = 6.1e-05 (two-sided): a significant difference at 0.05.", markdown, StringComparison.Ordinal);

        var lines = markdown.Split('\n');
        var header = Array.IndexOf(lines, $"| | datapoint | base | candidate | {third} |");
        Assert.True(header > 0, markdown);
        var pivot = lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.Equal(ModelsSection.MarkdownLines, pivot.Count);
        Assert.All(pivot, line => Assert.StartsWith("| ≠ |", line, StringComparison.Ordinal));
        Assert.Equal("| ≠ | d01 &lt;b&gt;bold&lt;/b&gt; @&#8203;team | ✅ pass · true | ❌ fail · false | ❌ fail · false |", pivot[0]);
        Assert.Equal("| ≠ | d02 | ✅ pass · true | ❌ fail · false | ✅ pass · true |", pivot[1]);
        Assert.Contains("_5 more datapoints: the HTML report (`evalrunner report RESULTS --format html`) shows every one", markdown, StringComparison.Ordinal);

        Assert.DoesNotContain("<b>", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", markdown, StringComparison.Ordinal);
        var document = Markdown.Parse(markdown, new MarkdownPipelineBuilder().UseAdvancedExtensions().Build());
        Assert.All(document.Descendants<Table>(), table => Assert.All(table.OfType<TableRow>(), row => Assert.Equal(((TableRow)table[0]).Count, row.Count)));
    }

    [Fact]
    public void A_split_of_a_few_flips_is_no_significant_difference_and_no_flip_says_they_pass_together()
    {
        // 3 datapoints pass only with base, 1 only with candidate: P(X >= 3), X ~ Binomial(4, 1/2), is 5/16; two-sided 0.625.
        var few = new ModelsSection.ConfigDifference("base", "candidate", 40, 3, 1, Math.Min(1, 2 * EvalRunner.Statistics.PairedTests.McNemarExact(3, 1)));
        var none = new ModelsSection.ConfigDifference("base", "candidate", 40, 0, 0, 1);

        Assert.Equal("candidate vs base, on 40 datapoints both measured: 3 pass only with base, 1 only with candidate; exact McNemar p = 0.625 (two-sided): no significant difference at 0.05.", ModelsSection.Sentence(few));
        Assert.EndsWith("exact McNemar p = 1 (two-sided): they pass and fail together.", ModelsSection.Sentence(none), StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task A_summary_cut_to_a_limit_keeps_the_side_by_side_count_and_its_first_disagreements()
    {
        using var dir = new TempDirectory();
        var reports = await ModelsFixture.RunAsync(dir, TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports, "out/summary.md", limit: 9000);

        Assert.InRange(MarkdownReport.Size(markdown), 1, 9000);
        Assert.Contains("Configs disagree on 25 of 30 datapoints.", markdown, StringComparison.Ordinal);
        Assert.Contains("| ≠ | d01 &lt;b&gt;bold&lt;/b&gt; @&#8203;team |", markdown, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Rows_of_one_datapoint_and_model_config_are_grouped_and_show_a_pass_count()
    {
        using var dir = new TempDirectory();
        var reports = await ModelsFixture.RunAsync(dir, TestContext.Current.CancellationToken);
        var rows = reports[0].Rows.ToList();

        // A second trial of each row: d02 fails it for base; d06 passes it again everywhere.
        var trials = rows.Where(r => r.DatapointId is "d02" or "d06")
            .Select(r => r.DatapointId == "d02" && r.ModelConfig == "base" ? r with { Outcome = Outcome.Fail } : r).ToList();
        var pivot = ModelsSection.Build(reports[0].Run, [.. rows, .. trials])!;

        var d02 = pivot.Lines.Single(l => l.Id == "d02");
        Assert.Equal(["1/2", "0/2", "2/2"], d02.Cells.Select(c => ModelsSection.Label(pivot.Rows, c)));
        Assert.True(d02.Disagree);
        Assert.Equal("mean 1", ModelsSection.Score(pivot.Rows, d02.Cells[0], "contains.passed"));
        var d06 = pivot.Lines.Single(l => l.Id == "d06");
        Assert.Equal(["2/2", "2/2", "2/2"], d06.Cells.Select(c => ModelsSection.Label(pivot.Rows, c)));
        Assert.False(d06.Disagree);
        Assert.Equal(25, pivot.Disagreements);
    }

    [Fact(Timeout = 180000)]
    public async Task A_repeated_run_shows_how_many_trials_of_each_config_passed()
    {
        using var dir = new TempDirectory();
        var reports = await ModelsFixture.RunAsync(dir, TestContext.Current.CancellationToken, repeat: 2);

        var pivot = ModelsSection.Build(reports[0])!;
        var markdown = MarkdownReport.Render(reports);

        Assert.Equal(180, pivot.Rows.Count);
        Assert.Equal(30, pivot.Lines.Count);
        Assert.Equal(["2/2", "0/2", "2/2"], pivot.Lines.Single(l => l.Id == "d02").Cells.Select(c => ModelsSection.Label(pivot.Rows, c)));
        Assert.Contains("Configs disagree on 25 of 30 datapoints.", markdown, StringComparison.Ordinal);
        Assert.Contains("| ≠ | d02 | ✅ 2/2 · mean 1 | ❌ 0/2 · mean 0 | ✅ 2/2 · mean 1 |", markdown, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Model_configs_that_share_no_datapoint_have_no_pivot()
    {
        using var dir = new TempDirectory();
        var reports = await ModelsFixture.RunAsync(dir, TestContext.Current.CancellationToken);
        var rows = reports[0].Rows.Select(r => r with { DatapointId = r.ModelConfig + ":" + r.DatapointId }).ToList();

        Assert.Null(ModelsSection.Build(reports[0].Run, rows));
    }

    [Fact]
    public async Task A_suite_with_one_model_config_has_no_side_by_side_section()
    {
        var reports = await RunReport.ReadAllAsync(ReportFixture.FixedResults, TestContext.Current.CancellationToken);

        Assert.All(reports, report => Assert.Null(ModelsSection.Build(report)));
        Assert.DoesNotContain("side by side", MarkdownReport.Render(reports), StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"models\"", HtmlReport.Render(reports), StringComparison.Ordinal);
    }
}
