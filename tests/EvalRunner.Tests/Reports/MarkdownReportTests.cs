using EvalRunner.Reports;
using EvalRunner.Testing;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;

namespace EvalRunner.Tests.Reports;

public sealed class MarkdownReportTests
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    private const string Hostile =
        "</details> | cell | break\n@octocat please [click](http://evil.example/x) ![img](http://evil.example/i.png) <script>alert(1)</script> <img src=x onerror=alert(1)> **bold** www.evil.example `code`";

    [Fact]
    public async Task The_summary_of_a_fixed_results_directory_matches_the_expected_file()
    {
        var reports = await RunReport.ReadAllAsync(ReportFixture.FixedResults, TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports, "evalrunner-results/summary.md");

        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Reports", "Expected", "summary.md"));
        Assert.Equal(expected.ReplaceLineEndings("\n"), markdown.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Every_table_has_the_same_number_of_cells_in_every_row_and_every_details_is_closed()
    {
        var reports = await RunReport.ReadAllAsync(ReportFixture.FixedResults, TestContext.Current.CancellationToken);

        var document = Markdown.Parse(MarkdownReport.Render(reports), Pipeline);

        var tables = document.Descendants<Table>().ToList();
        Assert.True(tables.Count >= 4);
        Assert.All(tables, table => Assert.All(table.OfType<TableRow>(), row => Assert.Equal(((TableRow)table[0]).Count, row.Count)));
        var html = string.Concat(document.Descendants<HtmlBlock>().Select(b => b.Lines.ToString()));
        Assert.Equal(CountOf(html, "<details>"), CountOf(html, "</details>"));
        Assert.True(CountOf(html, "<details>") >= 1);
    }

    [Fact]
    public async Task Text_from_models_and_datasets_cannot_break_tables_close_details_mention_users_or_inject_links_images_and_html()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("bad | id <b>", Hostile, false)], TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports);
        var html = Markdown.ToHtml(markdown, Pipeline);

        Assert.Equal(1, CountOf(html, "<details>"));
        Assert.Equal(1, CountOf(html, "</details>"));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@octocat", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", markdown, StringComparison.Ordinal);
        var document = Markdown.Parse(markdown, Pipeline);
        Assert.All(document.Descendants<Table>(), table => Assert.All(table.OfType<TableRow>(), row => Assert.Equal(((TableRow)table[0]).Count, row.Count)));
        Assert.Contains("&lt;/details&gt;", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_report_over_the_comment_limit_cuts_the_longest_fields_then_failing_datapoints_and_says_so()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, Enumerable.Range(0, 400).Select(i => ($"dp-{i}", new string('x', 3000) + i, false)), TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports, "the evalrunner-results artifact");

        Assert.True(markdown.Length <= MarkdownReport.GitHubCommentLimit, markdown.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(@"… \(2702 more characters\)", markdown, StringComparison.Ordinal);
        Assert.Matches(@"_\d+ more failing datapoints were cut to stay under GitHub's limit of 65,536 bytes; the full report is in the evalrunner\\-results artifact\._", markdown);
        var html = Markdown.ToHtml(markdown, Pipeline);
        Assert.Equal(CountOf(html, "<details>"), CountOf(html, "</details>"));
    }

    [Fact]
    public async Task Emoji_and_CJK_output_is_cut_to_the_limit_in_UTF8_bytes_not_in_characters()
    {
        using var dir = new TempDirectory();
        var text = string.Concat(Enumerable.Repeat("回答😀が長すぎます🎉", 600));
        var reports = await ReportFixture.WriteAsync(dir, Enumerable.Range(0, 60).Select(i => ($"dp-{i}", text, false)), TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports, "the evalrunner-results artifact");

        var bytes = System.Text.Encoding.UTF8.GetByteCount(markdown);
        Assert.True(bytes <= MarkdownReport.GitHubCommentLimit, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(markdown.Length <= MarkdownReport.GitHubCommentLimit);
        Assert.Matches(@"_\d+ more failing datapoints were cut to stay under GitHub's limit of 65,536 bytes", markdown);
        AssertNoLoneSurrogate(markdown);
    }

    [Fact]
    public void Text_cut_between_lines_closes_the_code_fence_and_the_details_it_opened_and_names_where_the_full_report_is()
    {
        var text = "<!-- marker -->\n## title\n\n<details><summary>❌ a</summary>\n\n```\n"
            + string.Concat(Enumerable.Range(0, 2000).Select(i => $"行 {i} 🎉🎉🎉 テキスト\n"))
            + "```\n\n</details>\n\nlast line\n";

        var cut = MarkdownReport.Fit(text, 4096, "the evalrunner-results artifact");

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(cut) <= 4096);
        Assert.StartsWith("<!-- marker -->\n## title\n", cut, StringComparison.Ordinal);
        Assert.EndsWith("```\n\n</details>\n\n_Cut to stay under GitHub's limit of 4,096 bytes; the full report is in the evalrunner\\-results artifact._\n", cut, StringComparison.Ordinal);
        Assert.DoesNotContain("last line", cut, StringComparison.Ordinal);
        AssertNoLoneSurrogate(cut);
        var html = Markdown.ToHtml(cut, Pipeline);
        Assert.Equal(CountOf(html, "<details>"), CountOf(html, "</details>"));
        Assert.Equal(CountOf(html, "<pre>"), CountOf(html, "</pre>"));
        Assert.Contains("<p><em>Cut to stay under GitHub", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_cut_to_its_limit_never_keeps_half_of_an_emoji()
    {
        var cut = MarkdownText.Cut("ab😀cd", 3);

        Assert.Equal("ab … (4 more characters)", cut);
    }

    private static void AssertNoLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                Assert.True(i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]), $"a lone high surrogate at {i}");
                i++;
            }
            else
            {
                Assert.False(char.IsLowSurrogate(text[i]), $"a lone low surrogate at {i}");
            }
        }
    }

    [Fact]
    public async Task The_summary_line_of_a_failing_datapoint_is_html_escaped_so_github_shows_it_as_plain_text()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("side-by-side_v2 (b) <i>x</i> & #1", "answer", false)], TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports);

        // GitHub applies no Markdown inside an HTML block: a backslash escape there would show as a backslash.
        var line = markdown.Split('\n').Single(l => l.StartsWith("<details><summary>", StringComparison.Ordinal));
        Assert.Equal("<details><summary>❌ hostile › side-by-side_v2 (b) &lt;i&gt;x&lt;/i&gt; &amp; #1 [m]: fail</summary>", line);
        var summary = Markdown.Parse(markdown, Pipeline).Descendants<HtmlBlock>().Single(b => b.Lines.ToString().Contains("<summary>", StringComparison.Ordinal));
        Assert.DoesNotContain("\\", summary.Lines.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('\u202A')]
    [InlineData('\u202B')]
    [InlineData('\u202C')]
    [InlineData('\u202D')]
    [InlineData('\u202E')]
    [InlineData('\u2066')]
    [InlineData('\u2067')]
    [InlineData('\u2068')]
    [InlineData('\u2069')]
    [InlineData('\u200E')]
    [InlineData('\u200F')]
    [InlineData('\u061C')]
    public async Task Bidirectional_control_characters_from_models_and_datasets_are_shown_as_markers_in_markdown_and_html(char control)
    {
        using var dir = new TempDirectory();
        var marker = $"U+{(int)control:X4}";
        var reports = await ReportFixture.WriteAsync(dir, [($"id{control}gnp.exe", $"pass{control}liaf", false)], TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports);
        var html = HtmlReport.Render(reports);

        Assert.DoesNotContain(control, markdown);
        Assert.Contains($"id&lt;{marker}&gt;gnp.exe", markdown, StringComparison.Ordinal);
        Assert.Contains($"pass&lt;{marker}&gt;liaf", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain(control, html);
        const string open = "<script id=\"data\" type=\"application/json\">";
        var data = html[(html.IndexOf(open, StringComparison.Ordinal) + open.Length)..];
        var rows = System.Text.Json.JsonDocument.Parse(data[..data.IndexOf("</script>", StringComparison.Ordinal)].Replace("<\\/", "</", StringComparison.Ordinal)).RootElement;
        Assert.Equal($"id<{marker}>gnp.exe", rows[0].GetProperty("id").GetString());
        Assert.Equal($"pass<{marker}>liaf", rows[0].GetProperty("response").GetString());
        Assert.Equal($"a<{marker}>b", BidiText.Neutralise($"a{control}b"));
    }

    [Theory]
    [InlineData(0.0, "$0")]
    [InlineData(0.0012, "$0.0012")]
    [InlineData(0.00123456, "$0.0012")]
    [InlineData(0.000034567, "$0.000035")]
    [InlineData(0.005, "$0.005")]
    [InlineData(0.0099, "$0.0099")]
    [InlineData(0.01, "$0.01")]
    [InlineData(1.23456, "$1.2346")]
    [InlineData(12.5, "$12.5")]
    public void Costs_below_a_cent_show_two_significant_digits_never_zero(double usd, string shown) =>
        Assert.Equal(shown, ValueText.Usd(usd));

    [Fact]
    public async Task The_summary_shows_a_cost_below_a_cent_and_the_cache_hits()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("cheap", "answer", true)], TestContext.Current.CancellationToken);
        var run = reports[0].Run;
        var cheap = new RunReport
        {
            Run = run with { Models = [run.Models[0] with { CostUsd = 0.0012, JudgeCostUsd = 0.00003, CacheHits = 1, TokensSaved = 42 }] },
            Directory = reports[0].Directory,
        };

        var markdown = MarkdownReport.Render([cheap]);

        Assert.Contains("| $0.0012 |", markdown, StringComparison.Ordinal);
        Assert.Contains("Cost: $0.0012 (generations $0.0012, judges $0.00003).", markdown, StringComparison.Ordinal);
        Assert.Contains("Cache: 1 of 1 generations answered from the cache, 42 tokens saved.", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("$0 ", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_rows_trajectory_is_a_numbered_list_in_its_details_and_hostile_tool_output_stays_text()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteLogsAsync(dir, [("agent", TrajectoryFixture.Hostile(), false)], TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports);
        var html = Markdown.ToHtml(markdown, Pipeline);

        Assert.Equal(1, CountOf(html, "<details>"));
        Assert.Equal(1, CountOf(html, "</details>"));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<h1", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<strong>bold</strong>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@octocat", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', markdown);
        Assert.Contains("<p><strong>Trajectory</strong> (6 steps; stopped at max_steps: the model was still calling tools)</p>", html, StringComparison.Ordinal);

        // One numbered list, one item per step, inside the details block: the "1." and "-" in the tool output start none.
        var details = html[html.IndexOf("<details>", StringComparison.Ordinal)..html.IndexOf("</details>", StringComparison.Ordinal)];
        Assert.Equal(1, CountOf(html, "<ol>"));
        Assert.Contains("<ol>", details, StringComparison.Ordinal);
        var items = Items(details);
        Assert.Equal(6, items.Count);
        Assert.Equal("model call: 120 tokens in, 30 out, 850 ms", items[0]);
        Assert.StartsWith("tool search({&quot;query&quot;:&quot;&lt;script&gt;window.pwned=3&lt;/script&gt; @\u200Boctocat&quot;}) → &lt;/details&gt;<br>", items[1], StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;window.pwned=1&lt;/script&gt; &lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;", items[1], StringComparison.Ordinal);
        Assert.Contains("&lt;U+202E&gt;gnp.exe|cell|", items[1], StringComparison.Ordinal);
        Assert.EndsWith("; 12 ms", items[1], StringComparison.Ordinal);
        Assert.Equal("model call: 300 tokens in, 20 out", items[2]);
        Assert.StartsWith("tool fetch_page({&quot;url&quot;:&quot;http:\u200B//evil.example/x&quot;}) → yyy", items[3], StringComparison.Ordinal);
        Assert.Matches(@"yyy … \(\d+ more characters\) \(cut at run.max_output_bytes\); 40 ms$", items[3]);
        Assert.DoesNotContain("END", items[3], StringComparison.Ordinal);
        Assert.True(items[3].Length < 400, items[3]);
        Assert.Equal("tool lookup({}) ✗ unknown tool: lookup &lt;/details&gt; @\u200Boctocat", items[4]);
        Assert.Equal("model call: 400 tokens in, 10 out, 300 ms", items[5]);
    }

    [Fact]
    public async Task A_long_trajectory_shows_its_first_and_last_steps_and_says_how_many_were_omitted_within_the_comment_limit()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteLogsAsync(dir, [("agent", TrajectoryFixture.Long(1000, 5000), false)], TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports);
        var html = Markdown.ToHtml(markdown, Pipeline);

        Assert.True(MarkdownReport.Size(markdown) <= MarkdownReport.GitHubCommentLimit);
        Assert.DoesNotContain("Cut to stay under", markdown, StringComparison.Ordinal);
        var omitted = Assert.Single(System.Text.RegularExpressions.Regex.Matches(html, @"<p><em>… (\d+) steps omitted …</em></p>"));
        var items = Items(html);
        Assert.Equal(1000, items.Count + int.Parse(omitted.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("model call: 100 tokens in, 10 out, 5 ms", items[0]);
        Assert.StartsWith("tool t1({&quot;page&quot;:1}) → ééé", items[1], StringComparison.Ordinal);
        Assert.StartsWith("tool t999({&quot;page&quot;:999}) → ééé", items[^1], StringComparison.Ordinal);
        Assert.Contains($"<ol start=\"{1001 - (items.Count / 2)}\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_failing_rows_with_long_trajectories_stay_within_the_comment_limit_with_every_details_closed()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteLogsAsync(dir, Enumerable.Range(0, 60).Select(i => ($"agent-{i}", TrajectoryFixture.Long(300, 2000), false)), TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports, "the evalrunner-results artifact");
        var html = Markdown.ToHtml(markdown, Pipeline);

        Assert.True(MarkdownReport.Size(markdown) <= MarkdownReport.GitHubCommentLimit);
        Assert.Equal(CountOf(html, "<details>"), CountOf(html, "</details>"));
        Assert.True(CountOf(html, "<details>") >= 1);
        Assert.Equal(CountOf(html, "<details>"), CountOf(html, "<strong>Trajectory</strong> (300 steps)"));
        Assert.Contains("tool t299(", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_row_without_steps_has_no_trajectory()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("plain", "answer", false)], TestContext.Current.CancellationToken);

        var markdown = MarkdownReport.Render(reports);

        Assert.DoesNotContain("Trajectory", markdown, StringComparison.Ordinal);
        Assert.Contains("<details>", markdown, StringComparison.Ordinal);
    }

    // The inner HTML of each list item of the ordered lists, in order.
    private static List<string> Items(string html) =>
        [.. System.Text.RegularExpressions.Regex.Matches(html, @"<ol(?: start=""\d+"")?>\n(.*?)</ol>", System.Text.RegularExpressions.RegexOptions.Singleline)
            .SelectMany(list => System.Text.RegularExpressions.Regex.Matches(list.Groups[1].Value, "<li>(.*?)</li>", System.Text.RegularExpressions.RegexOptions.Singleline))
            .Select(item => item.Groups[1].Value)];

    private static int CountOf(string text, string value) => (text.Length - text.Replace(value, string.Empty, StringComparison.Ordinal).Length) / value.Length;
}
