using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Reports;
using EvalRunner.Results;
using Microsoft.AspNetCore.Http;
using static EvalRunner.Cli.View.ViewHtml;

namespace EvalRunner.Cli.View;

/// <summary>The runs list with each suite's measures over time, one run's rows, and two runs compared.</summary>
internal sealed partial class ViewServer
{
    /// <summary>The runs by suite, newest first, with a compare form; each suite's pass rate, cost and aggregates over time.</summary>
    private async Task HomeAsync(HttpContext context)
    {
        var (runs, problems) = await _runs.ScanAsync(context.RequestAborted).ConfigureAwait(false);
        var body = new StringBuilder(Nav());
        body.Append(CultureInfo.InvariantCulture, $"<h1>Runs</h1><p class=\"note\" id=\"summary\">{Count(runs.Count, "run")} of {Count(runs.Select(r => r.Run.Suite).Distinct(StringComparer.Ordinal).Count(), "suite")} under {H(string.Join(", ", _options.Directories))}</p>");
        foreach (var problem in problems)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"problem\">{H(_options.Settings.Redact(problem))}</p>");
        }

        if (runs.Count > 1)
        {
            body.Append("<form method=\"get\" action=\"/compare\" id=\"compare-form\">").Append(TokenField(Token));
        }

        foreach (var suite in runs.GroupBy(r => r.Run.Suite, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            body.Append(CultureInfo.InvariantCulture, $"<section class=\"suite\" data-suite=\"{H(suite.Key)}\"><h2>{H(suite.Key)}</h2>");
            Charts(body, [.. suite.OrderBy(r => r.Run.FinishedAt)]);
            body.Append("<table class=\"runs\"><thead><tr><th>base</th><th>head</th><th>finished (UTC)</th><th>commit</th><th>branch</th><th>verdict</th><th>pass rate (95% interval)</th><th>rows</th><th>cost</th><th>folder</th><th></th></tr></thead><tbody>");
            foreach (var run in suite)
            {
                var r = run.Run;
                var interval = r.PassRateInterval is { } wilson ? $" ({ValueText.Percent(wilson.Lower)} – {ValueText.Percent(wilson.Upper)})" : string.Empty;
                var verdict = r.Verdict.ToString().ToLowerInvariant();
                var review = _suite is not null && _suite.Name == r.Suite ? " " + Link(Url(Token, "/review", ("run", run.Id)), "review") : string.Empty;
                body.Append(CultureInfo.InvariantCulture, $"""
                    <tr class="run" data-run="{run.Id}"><td><input type="radio" name="base" value="{run.Id}" aria-label="base"></td><td><input type="radio" name="head" value="{run.Id}" aria-label="head"></td>
                    <td>{r.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}</td><td class="commit">{H(r.Source?.Commit is { } commit ? commit[..Math.Min(12, commit.Length)] : null)}</td><td class="branch">{H(r.Source?.Branch)}</td>
                    <td class="verdict {H(verdict)}">{H(verdict)}</td><td class="pass-rate">{ValueText.Percent(r.PassRate)}{interval}</td><td>{r.Rows}</td><td>{H(ValueText.Usd(r.CostUsd))}</td><td class="text">{H(run.Directory)}</td>
                    <td>{Link(Url(Token, $"/runs/{run.Id}"), "rows")}{review}</td></tr>
                    """);
            }

            body.Append("</tbody></table></section>");
        }

        if (runs.Count > 1)
        {
            body.Append("<button type=\"submit\" id=\"compare\">Compare base with head</button></form>");
        }

        await WritePageAsync(context, "EvalRunner view: runs", body.ToString()).ConfigureAwait(false);
    }

    /// <summary>A suite's measures over its runs: the pass rate, the cost and each aggregate rule's value by model config.</summary>
    private static void Charts(StringBuilder body, IReadOnlyList<ViewRun> runs)
    {
        body.Append("<div class=\"charts\">");
        body.Append(Chart("pass rate", [.. runs.Select(r => (r.Run.FinishedAt, (double?)r.Run.PassRate))], ValueText.Percent));
        body.Append(Chart("cost", [.. runs.Select(r => (r.Run.FinishedAt, (double?)r.Run.CostUsd))], ValueText.Usd));
        var aggregates = runs.SelectMany(r => r.Run.Aggregates.Select(a => (a.Rule, a.ModelConfig))).Distinct().Take(12).ToList();
        foreach (var (rule, model) in aggregates)
        {
            body.Append(Chart(
                $"{rule} [{model}]",
                [.. runs.Select(r => (r.Run.FinishedAt, r.Run.Aggregates.FirstOrDefault(a => a.Rule == rule && a.ModelConfig == model)?.Value))],
                v => v.ToString("0.###", CultureInfo.InvariantCulture)));
        }

        body.Append("</div>");
    }

    /// <summary>One run's rows, a page at a time from results.jsonl by offset, with the HTML report's filters.</summary>
    private async Task RowsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (await _runs.FindAsync(context.Request.RouteValues["id"] as string, context.RequestAborted).ConfigureAwait(false) is not { } run)
        {
            await WriteProblemAsync(context, StatusCodes.Status404NotFound, "no such run here (the folders were searched again): go back to the runs").ConfigureAwait(false);
            return;
        }

        var filter = new RowFilter
        {
            Text = query["q"].ToString() is { Length: > 0 } text ? text : null,
            Outcome = query["outcome"].ToString() is { Length: > 0 } wanted ? wanted : null,
            ModelConfig = query["model"].ToString() is { Length: > 0 } model ? model : null,
        };
        var offset = int.TryParse(query["offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        ResultsPage page;
        try
        {
            page = await Task.Run(() => ResultsIndex.Open(run.ResultsPath, _options.CacheDirectory).ReadPage(filter, offset, _options.PageSize), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await WriteProblemAsync(context, StatusCodes.Status404NotFound, $"{run.ResultsPath}: cannot be read ({ex.Message})").ConfigureAwait(false);
            return;
        }

        var r = run.Run;
        var body = new StringBuilder(Nav());
        body.Append(CultureInfo.InvariantCulture, $"<h1>{H(r.Suite)}</h1><p>{H($"{r.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, {r.Verdict.ToString().ToLowerInvariant()}: {_options.Settings.Redact(r.Reason)}")}</p>");
        foreach (var damaged in page.Damaged.Take(20))
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"problem damaged\">{H($"{run.ResultsPath}:{damaged.Number}: not a whole row (damaged or cut off); the other rows are shown")}</p>");
        }

        if (page.Damaged.Count > 20)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"problem\">… and {page.Damaged.Count - 20} more damaged lines</p>");
        }

        body.Append(CultureInfo.InvariantCulture, $"""
            <form method="get" action="/runs/{run.Id}" id="filters">{TokenField(Token)}
            <input type="search" name="q" value="{H(filter.Text)}" placeholder="id, outcome, text…" aria-label="Filter rows">
            <select name="outcome" aria-label="Outcome">{Options(["", RowFilter.Pass, RowFilter.Fail, RowFilter.Error, RowFilter.NeedsLiveRun], filter.Outcome, "any outcome")}</select>
            <select name="model" aria-label="Model config">{Options(["", .. r.Models.Select(m => m.Name)], filter.ModelConfig, "any model config")}</select>
            <button type="submit">Filter</button></form>
            <p id="count">{page.Matched} of {page.Total} rows{(page.Matched == 0 ? string.Empty : $", {page.Offset + 1}–{page.Offset + page.Rows.Count} shown")}</p>
            """);
        var columns = page.Rows.SelectMany(p => ReportValues.Columns(p.Row).Select(c => c.Key)).Distinct(StringComparer.Ordinal).ToList();
        body.Append("<table id=\"rows\"><thead><tr><th>line</th><th>id</th><th>model config</th><th>outcome</th><th>input</th><th>response</th><th>failed rules</th><th>error</th>");
        body.AppendJoin(string.Empty, columns.Select(c => $"<th>{H(c)}</th>"));
        body.Append("</tr></thead><tbody>");
        foreach (var (line, row) in page.Rows.Select(p => (p.Line, p.Row)))
        {
            var outcome = RowFilter.OutcomeOf(row);
            var values = ReportValues.Columns(row).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
            body.Append(CultureInfo.InvariantCulture, $"""
                <tr><td>{line.Number}</td><td class="id">{H(r.Datapoints is null ? row.DatapointId : $"{row.DatapointId} (trial {row.Trial})")}</td><td>{H(row.ModelConfig)}</td><td class="outcome {outcome}">{outcome}</td>
                <td class="text">{H(row.Input)}</td><td class="text response">{H(row.Log.Response)}</td><td class="text">{H(string.Join("; ", row.FailedRules))}</td><td class="text">{H(row.Error?.Message)}</td>
                """);
            body.AppendJoin(string.Empty, columns.Select(c => $"<td>{H(values.TryGetValue(c, out var v) ? ReportValues.Show(v) : null)}</td>"));
            body.Append("</tr>");
        }

        body.Append("</tbody></table><p class=\"pager\">");
        (string, string?)[] Keep(int at) => [("q", filter.Text), ("outcome", filter.Outcome), ("model", filter.ModelConfig), ("offset", at.ToString(CultureInfo.InvariantCulture))];
        if (page.Offset > 0)
        {
            body.Append(Link(Url(Token, $"/runs/{run.Id}", Keep(Math.Max(0, page.Offset - _options.PageSize))), "← previous")).Append(' ');
        }

        if (page.Offset + page.Rows.Count < page.Matched)
        {
            body.Append(Link(Url(Token, $"/runs/{run.Id}", Keep(page.Offset + _options.PageSize)), "next →"));
        }

        body.Append("</p>");
        await WritePageAsync(context, $"EvalRunner view: {r.Suite}", body.ToString()).ConfigureAwait(false);
    }

    private static string Options(IEnumerable<string> values, string? selected, string any) => string.Concat(values.Select(v =>
        $"<option value=\"{H(v)}\"{(v == (selected ?? string.Empty) ? " selected" : string.Empty)}>{H(v.Length == 0 ? any : v)}</option>"));

    /// <summary>Two runs of one suite compared by the engine code of <c>evalrunner compare</c>: the verdict, the counts, regressions first.</summary>
    private async Task CompareAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var baseRun = await _runs.FindAsync(query["base"], context.RequestAborted).ConfigureAwait(false);
        var headRun = await _runs.FindAsync(query["head"], context.RequestAborted).ConfigureAwait(false);
        if (baseRun is null || headRun is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, "pick two runs to compare: a base and a head").ConfigureAwait(false);
            return;
        }

        if (baseRun.Run.Suite != headRun.Run.Suite)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, $"the base is a run of suite '{baseRun.Run.Suite}' and the head of '{headRun.Run.Suite}': compare two runs of one suite").ConfigureAwait(false);
            return;
        }

        Comparison comparison;
        try
        {
            comparison = await CompareCommand.CompareAsync(headRun.Run, baseRun.Directory, _options.SuitePath, _options.Settings, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or EvalRunnerException)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }

        var body = new StringBuilder(Nav());
        body.Append(CultureInfo.InvariantCulture, $"""
            <h1>{H(headRun.Run.Suite)}: compared</h1>
            <table id="pair"><tr><th>base</th><td>{Identity(baseRun)}</td></tr><tr><th>head</th><td>{Identity(headRun)}</td></tr></table>
            <p id="verdict" class="{(comparison.Regressed ? "fail" : "pass")}">{(comparison.Regressed ? "regressed" : "no regression")}: {H(ComparisonSection.Headline(comparison))}</p>
            <table id="counts"><tr><th>shared</th><th>regressions</th><th>fixes</th><th>new</th><th>removed</th><th>scores moved</th></tr>
            <tr><td data-count="shared">{comparison.Shared}</td><td data-count="regressions">{comparison.Regressions}</td><td data-count="fixes">{comparison.Fixes}</td><td data-count="new">{comparison.New}</td><td data-count="removed">{comparison.Removed}</td><td data-count="changed">{comparison.Changed}</td></tr></table>
            <section id="comparison">{HtmlReport.Comparison(headRun.Run with { Baseline = comparison })}</section>
            """);
        await WritePageAsync(context, $"EvalRunner view: {headRun.Run.Suite} compared", body.ToString()).ConfigureAwait(false);
    }

    private string Identity(ViewRun run) =>
        $"{Link(Url(Token, $"/runs/{run.Id}"), $"{run.Run.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC")} {H(string.Join(" ", new[] { run.Run.Source?.Commit, run.Run.Source?.Branch }.Where(s => s is not null)))} <span class=\"note\">{H(run.Directory)}</span>";
}
