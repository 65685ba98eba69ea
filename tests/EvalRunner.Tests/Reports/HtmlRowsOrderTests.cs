using System.Text.Json;
using System.Text.RegularExpressions;
using EvalRunner.Reports;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Reports;

/// <summary>The HTML report's rows table lists rows by datapoint, then model config, whatever order they finished in.</summary>
public sealed partial class HtmlRowsOrderTests
{
    [Fact(Timeout = 120000)]
    public async Task Rows_written_in_completion_order_are_shown_by_datapoint_then_model_config()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await ModelsFixture.RunAsync(dir, token);
        // The order a run with three model configs may finish in: the configs mixed, the datapoints backwards.
        var file = Path.Combine(dir.Path, "out", "side", "results.jsonl");
        var lines = File.ReadAllLines(file);
        File.WriteAllLines(file, lines.Where((_, i) => i % 2 == 0).Reverse().Concat(lines.Where((_, i) => i % 2 == 1)));
        var reports = await RunReport.ReadAllAsync(Path.Combine(dir.Path, "out"), token);

        var html = HtmlReport.Render(reports);

        var data = JsonDocument.Parse(Data().Match(html).Groups["json"].Value.Replace("<\\/", "</", StringComparison.Ordinal)).RootElement;
        var shown = data.EnumerateArray().Select(r => (Id: r.GetProperty("id").GetString()!, Model: r.GetProperty("model").GetString()!)).ToList();
        Assert.Equal(90, shown.Count);
        Assert.Equal(shown.OrderBy(r => r.Id, StringComparer.Ordinal).ThenBy(r => r.Model, StringComparer.Ordinal), shown);
    }

    [GeneratedRegex("""<script id="data" type="application/json">(?<json>.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex Data();
}
