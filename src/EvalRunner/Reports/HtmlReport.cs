using System.Net;
using System.Text.Json;
using Markdig;

namespace EvalRunner.Reports;

/// <summary>
/// One self-contained HTML file (no network): the Markdown summary rendered with Markdig, every row in a table that
/// can be filtered and sorted (with its trajectory, when its log has steps), a histogram per numeric evaluator column, for several model configs every datapoint of
/// each and two picked configs' responses side by side (<see cref="ModelsSection"/>), and for a watch the metrics over
/// time (<see cref="OverTimeSection"/>).
/// </summary>
internal static class HtmlReport
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    private static string? Text(string? text) => text is null ? null : BidiText.Neutralise(text);

    /// <summary>The most steps of a trajectory the page lists: the first and last halves of a longer one.</summary>
    private const int MaxSteps = 200;

    /// <summary>The most characters of a tool call's name, arguments and result the page shows.</summary>
    private const int MaxStepText = 1000;

    // A row's trajectory for its cell: a heading, its first steps, how many were omitted, its last steps and the
    // number of the first of them; null for a log without steps. The page sets each as text, never as markup.
    private static object? Trajectory(Logs.Log log)
    {
        if (log.Steps is not { Count: > 0 } steps)
        {
            return null;
        }

        var (head, tail) = TrajectoryText.Shown(steps.Count, MaxSteps);
        return new
        {
            summary = Text(TrajectoryText.Heading(log)),
            head = steps.Take(head).Select(s => Text(TrajectoryText.Step(s, MaxStepText))).ToList(),
            omitted = steps.Count - head - tail,
            tail = steps.Skip(steps.Count - tail).Select(s => Text(TrajectoryText.Step(s, MaxStepText))).ToList(),
            tailStart = steps.Count - tail + 1,
        };
    }

    /// <summary>
    /// A run's comparison with its baseline (<see cref="Results.RunResult.Baseline"/>) as HTML: the section the Markdown summary
    /// has, every regression with both responses, rendered as the page's summary is.
    /// </summary>
    public static string Comparison(Results.RunResult run)
    {
        var md = new System.Text.StringBuilder();
        var details = int.MaxValue;
        ComparisonSection.Write(md, run, fieldLimit: 4000, ref details);
        return Markdown.ToHtml(md.ToString(), Pipeline);
    }

    /// <summary>Renders the reports as one HTML page.</summary>
    public static string Render(IReadOnlyList<RunReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        // The side-by-side section below shows every datapoint: the summary's pivots show none.
        var summary = Markdown.ToHtml(MarkdownReport.Render(reports, limit: int.MaxValue, sideBySideLines: 0), Pipeline);
        // Rows by datapoint, then model config and trial, not in the order they finished.
        var read = reports.Select(report => (Report: report, Rows: report.Rows
            .OrderBy(r => r.DatapointId, StringComparer.Ordinal).ThenBy(r => r.ModelConfig, StringComparer.Ordinal).ThenBy(r => r.Trial)
            .ToList())).ToList();
        // Bidirectional controls are shown as markers (<U+202E>) in every text the page shows, not obeyed.
        var rows = read.SelectMany(r => r.Rows.Select(row => new
        {
            suite = Text(r.Report.Run.Suite),
            // A repeated run's rows name their trial beside the id.
            id = Text(r.Report.Run.Datapoints is null ? row.DatapointId : $"{row.DatapointId} (trial {row.Trial})"),
            model = Text(row.ModelConfig),
            outcome = Results.RowFilter.OutcomeOf(row),
            input = Text(row.Input),
            response = Text(row.Log.Response),
            rules = Text(string.Join("; ", row.FailedRules)),
            error = Text(row.Error?.Message),
            columns = ReportValues.Columns(row).ToDictionary(c => Text(c.Key)!, c => c.Value is string text ? Text(text) : c.Value),
            trajectory = Trajectory(row.Log),
        })).ToList();

        // Model configs side by side: each suite's pivot names its rows by their place in the row data.
        var (models, modelsData, offset) = (new System.Text.StringBuilder(), new List<object>(), 0);
        foreach (var (report, reportRows) in read)
        {
            if (ModelsSection.Build(report.Run, reportRows) is { } pivot)
            {
                var (html, section) = ModelsSection.Html(report.Run, pivot, offset);
                models.Append(html);
                modelsData.Add(section);
            }

            offset += reportRows.Count;
        }

        var sideBySide = models.Length == 0 ? string.Empty : $"""
            <h2>Model configs side by side</h2>
            <section id="models">{models}</section>
            <script id="models-data" type="application/json">{ModelsSection.Json(modelsData)}</script>
            """;
        var sideBySideScript = models.Length == 0 ? string.Empty : $"<script>{ModelsSection.Script}</script>";

        // Inside <script> only "</" could end the element early; JSON escapes it.
        var data = JsonSerializer.Serialize(rows).Replace("</", "<\\/", StringComparison.Ordinal);
        var overTime = string.Concat(reports.Select(OverTimeSection.Render));
        if (overTime.Length > 0)
        {
            overTime = "<h2>Over time</h2>\n<section id=\"over-time\">" + overTime + "</section>";
        }

        var title = WebUtility.HtmlEncode(BidiText.Neutralise(reports.Count == 1 ? $"EvalRunner: {reports[0].Run.Suite}" : $"EvalRunner: {reports.Count} suites"));
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
            <title>{{title}}</title>
            <style>
            body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
            table { border-collapse: collapse; margin: .5rem 0 1rem; }
            th, td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; text-align: left; }
            th { background: #f6f8fa; cursor: pointer; user-select: none; }
            td.text { min-width: 14rem; max-width: 28rem; white-space: pre-wrap; word-break: break-word; }
            tr.fail td.outcome { color: #cf222e; font-weight: 600; } tr.error td.outcome { color: #9a6700; font-weight: 600; } tr.needs-live-run td.outcome { color: #57606a; font-style: italic; }
            #filter { padding: 6px; width: 24rem; }
            .over-time-chart { display: block; margin: .5rem 0; }
            .chart { display: inline-block; margin: 0 1.5rem 1rem 0; } .chart h4 { margin: .25rem 0; }
            tr.differ td { background: #fff8c5; } .side-by-side td.a, .side-by-side td.b { min-width: 16rem; max-width: 32rem; }
            td.trajectory { min-width: 20rem; max-width: 40rem; } td.trajectory li { white-space: pre-wrap; word-break: break-word; } td.trajectory .omitted { color: #57606a; font-style: italic; margin: .25rem 0; }
            .side-by-side .response { white-space: pre-wrap; word-break: break-word; margin: .25rem 0; } .side-by-side .outcome, .side-by-side .trial { font-weight: 600; } .side-by-side .scores { color: #57606a; }
            </style>
            </head>
            <body>
            <section id="summary">{{summary}}</section>
            {{overTime}}
            {{sideBySide}}
            <h2>Score distributions</h2>
            <section id="charts"></section>
            <h2>Rows</h2>
            <input id="filter" type="search" placeholder="Filter rows: id, outcome, text…" aria-label="Filter rows">
            <span id="count"></span>
            <table id="rows"><thead></thead><tbody></tbody></table>
            <script id="data" type="application/json">{{data}}</script>
            <script>
            (function () {
              const rows = JSON.parse(document.getElementById('data').textContent);
              const columns = [...new Set(rows.flatMap(r => Object.keys(r.columns)))];
              const fields = ['suite', 'id', 'model', 'outcome', 'input', 'response', 'rules', 'error'].concat(columns);
              const value = (r, f) => f in r ? r[f] : r.columns[f];
              const thead = document.querySelector('#rows thead'), tbody = document.querySelector('#rows tbody');
              const head = document.createElement('tr');
              let sortField = null, sortDirection = 1;
              fields.forEach(f => {
                const th = document.createElement('th');
                th.textContent = f;
                th.addEventListener('click', () => { sortDirection = sortField === f ? -sortDirection : 1; sortField = f; draw(); });
                head.appendChild(th);
              });
              // A row's trajectory: a collapsed numbered list of its steps, every text set as text.
              const trajectories = rows.some(r => r.trajectory);
              if (trajectories) {
                const th = document.createElement('th');
                th.textContent = 'trajectory';
                head.appendChild(th);
              }
              const steps = t => t ? t.head.concat(t.tail) : [];
              function trajectory(t) {
                const td = document.createElement('td');
                td.className = 'trajectory';
                if (!t) return td;
                const details = document.createElement('details');
                const summary = document.createElement('summary');
                summary.textContent = t.summary;
                details.appendChild(summary);
                const list = (texts, start) => {
                  const ol = document.createElement('ol');
                  ol.start = start;
                  texts.forEach(text => { const li = document.createElement('li'); li.textContent = text; ol.appendChild(li); });
                  details.appendChild(ol);
                };
                list(t.head, 1);
                if (t.tail.length > 0) {
                  const omitted = document.createElement('p');
                  omitted.className = 'omitted';
                  omitted.textContent = '… ' + t.omitted + ' steps omitted …';
                  details.appendChild(omitted);
                  list(t.tail, t.tailStart);
                }
                td.appendChild(details);
                return td;
              }
              thead.appendChild(head);
              function draw() {
                const needle = document.getElementById('filter').value.toLowerCase();
                let shown = rows.filter(r => !needle || fields.some(f => String(value(r, f) ?? '').toLowerCase().includes(needle))
                  || steps(r.trajectory).some(text => text.toLowerCase().includes(needle)));
                if (sortField) {
                  shown = shown.slice().sort((a, b) => {
                    const x = value(a, sortField), y = value(b, sortField);
                    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x ?? '').localeCompare(String(y ?? ''))) * sortDirection;
                  });
                }
                tbody.replaceChildren(...shown.map(r => {
                  const tr = document.createElement('tr');
                  tr.className = r.outcome;
                  fields.forEach(f => {
                    const td = document.createElement('td');
                    const v = value(r, f);
                    td.textContent = v === null || v === undefined ? '' : String(v);
                    if (['input', 'response', 'rules', 'error'].includes(f)) td.className = 'text';
                    if (f === 'outcome') td.className = 'outcome';
                    tr.appendChild(td);
                  });
                  if (trajectories) tr.appendChild(trajectory(r.trajectory));
                  return tr;
                }));
                document.getElementById('count').textContent = shown.length + ' of ' + rows.length + ' rows';
              }
              function chart(column) {
                const values = rows.map(r => r.columns[column]).filter(v => typeof v === 'number' || typeof v === 'boolean').map(Number);
                if (values.length === 0) return;
                const min = Math.min(...values), max = Math.max(...values), bins = 10;
                const counts = new Array(bins).fill(0);
                values.forEach(v => counts[max === min ? 0 : Math.min(bins - 1, Math.floor((v - min) / (max - min) * bins))]++);
                const top = Math.max(...counts), ns = 'http://www.w3.org/2000/svg';
                const box = document.createElement('div'); box.className = 'chart';
                const h = document.createElement('h4'); h.textContent = column + ' (' + min + ' – ' + max + ')'; box.appendChild(h);
                const svg = document.createElementNS(ns, 'svg'); svg.setAttribute('width', '220'); svg.setAttribute('height', '80');
                svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', 'distribution of ' + column);
                counts.forEach((c, i) => {
                  const bar = document.createElementNS(ns, 'rect');
                  const height = top === 0 ? 0 : Math.round(c / top * 70);
                  bar.setAttribute('x', String(i * 22)); bar.setAttribute('y', String(75 - height));
                  bar.setAttribute('width', '20'); bar.setAttribute('height', String(height)); bar.setAttribute('fill', '#0969da');
                  const tip = document.createElementNS(ns, 'title'); tip.textContent = c + ' rows'; bar.appendChild(tip);
                  svg.appendChild(bar);
                });
                box.appendChild(svg);
                document.getElementById('charts').appendChild(box);
              }
              columns.forEach(chart);
              document.getElementById('filter').addEventListener('input', draw);
              draw();
            })();
            </script>
            {{sideBySideScript}}
            </body>
            </html>
            """;
    }
}
