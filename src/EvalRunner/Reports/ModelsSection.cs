using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Thresholds;

namespace EvalRunner.Reports;

/// <summary>
/// Model configs side by side, for a suite with two or more: one table of the aggregate rules with a column per model
/// config, and a pivot of the datapoints (a row each, a column per model config, each cell the outcome and the key
/// scores), the datapoints on which the configs disagree first. The Markdown shows the first
/// <see cref="MarkdownLines"/> datapoints; the HTML report shows them all and, for two model configs the reader
/// picks, both responses side by side. Rows of one datapoint and model config are grouped, so repeated trials show
/// as a pass count (<c>2/3</c>).
/// </summary>
internal static class ModelsSection
{
    /// <summary>The most datapoints the Markdown pivot shows; the HTML report shows every one.</summary>
    public const int MarkdownLines = 25;

    /// <summary>The most score columns a cell shows when no aggregate rule names them.</summary>
    private const int MaxScoreColumns = 3;

    /// <summary>The model configs of a run, in the run's order (then any other that its rows name).</summary>
    public static IReadOnlyList<string> Configs(RunResult run, IEnumerable<Row>? rows = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var configs = run.Models.Select(m => m.Name).ToList();
        foreach (var row in rows ?? [])
        {
            if (!configs.Contains(row.ModelConfig, StringComparer.Ordinal))
            {
                configs.Add(row.ModelConfig);
            }
        }

        return configs;
    }

    /// <summary>Each aggregate rule of the run, in order, with its result for each of <paramref name="configs"/> (null where it has none).</summary>
    public static IReadOnlyList<(string Rule, AggregateResult?[] Results)> Aggregates(RunResult run, IReadOnlyList<string> configs)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(configs);
        return [.. run.Aggregates.Select(a => a.Rule).Distinct(StringComparer.Ordinal)
            .Select(rule => (rule, configs.Select(c => run.Aggregates.FirstOrDefault(a => a.Rule == rule && a.ModelConfig == c)).ToArray()))];
    }

    /// <summary>An aggregate's value with its interval and pass mark: <c>0.84 [0.79, 0.88] ✅</c>.</summary>
    private static string Shown(AggregateResult? result) => result is null ? "–" : $"{ReportValues.WithInterval(result)} {(result.Passed ? "✅" : "❌")}";

    /// <summary>
    /// Each model config after the first against the first, on the datapoints both measured: how many pass with only
    /// one of the two, and the exact two-sided McNemar p of that split (how often a split at least this uneven comes
    /// from two configs that pass equally often). A datapoint is decided as the run decides it (<see cref="TrialCounts.Decide"/>:
    /// with repeated trials by <c>run.min_passes</c>); an error is no pass; one without a measured trial with either
    /// config is left out.
    /// </summary>
    public static IReadOnlyList<ConfigDifference> Differences(RunResult run, Pivot pivot)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(pivot);
        var required = run.Datapoints?.MinPasses ?? 1;
        var differences = new List<ConfigDifference>();
        for (var other = 1; other < pivot.Configs.Count; other++)
        {
            int shared = 0, onlyFirst = 0, onlyOther = 0;
            foreach (var line in pivot.Lines)
            {
                if (Passed(line.Cells[0]) is not { } first || Passed(line.Cells[other]) is not { } second)
                {
                    continue;
                }

                shared++;
                onlyFirst += first && !second ? 1 : 0;
                onlyOther += second && !first ? 1 : 0;
            }

            if (shared > 0)
            {
                var p = Math.Min(1, 2 * Statistics.PairedTests.McNemarExact(Math.Max(onlyFirst, onlyOther), Math.Min(onlyFirst, onlyOther)));
                differences.Add(new ConfigDifference(pivot.Configs[0], pivot.Configs[other], shared, onlyFirst, onlyOther, p));
            }
        }

        return differences;

        // Whether a cell's datapoint passed, by the run's k-of-n rule; null when none of its trials was measured.
        bool? Passed(IReadOnlyList<int> cell)
        {
            var trials = default(TrialCounts);
            foreach (var i in cell)
            {
                trials.Add(pivot.Rows[i]);
            }

            return trials.Decide(required) is { } outcome ? outcome == Outcome.Pass : null;
        }
    }

    /// <summary>
    /// One sentence of a difference: <c>candidate vs base, on 30 datapoints both measured: 20 pass only with base,
    /// 0 only with candidate; exact McNemar p = 1.9e-06 (two-sided): a significant difference at 0.05.</c>
    /// </summary>
    /// <param name="difference">The difference.</param>
    /// <param name="name">Writes a config's name (escapes it for Markdown); as it is when null.</param>
    public static string Sentence(ConfigDifference difference, Func<string, string>? name = null)
    {
        ArgumentNullException.ThrowIfNull(difference);
        name ??= static n => n;
        var (first, other) = (name(difference.First), name(difference.Other));
        var p = difference.P < 0.0001 ? difference.P.ToString("0.#e+00", CultureInfo.InvariantCulture) : difference.P.ToString("0.####", CultureInfo.InvariantCulture);
        var verdict = difference.OnlyFirst + difference.OnlyOther == 0
            ? "they pass and fail together"
            : difference.P < 0.05 ? "a significant difference at 0.05" : "no significant difference at 0.05";
        return $"{other} vs {first}, on {difference.Datapoints} datapoints both measured: {difference.OnlyFirst} pass only with "
            + $"{first}, {difference.OnlyOther} only with {other}; exact McNemar p = {p} (two-sided): {verdict}.";
    }

    /// <summary>The pivot of a suite's rows, or null when the suite has fewer than two model configs or they share no datapoint.</summary>
    public static Pivot? Build(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);

        // A run that names one model config has no pivot: its rows (responses and all) are not read for nothing.
        return report.Run.Models.Count == 1 ? null : Build(report.Run, [.. report.Rows]);
    }

    /// <summary>
    /// The pivot of <paramref name="rows"/> (whose positions its cells name), or null with fewer than two model configs
    /// or when no datapoint has rows of two of them.
    /// </summary>
    public static Pivot? Build(RunResult run, IReadOnlyList<Row> rows)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(rows);
        var configs = Configs(run, rows).ToList();
        if (configs.Count < 2)
        {
            return null;
        }

        var columns = ScoreColumns(run, rows);
        var lines = new List<PivotLine>();
        var byId = new Dictionary<string, List<int>[]>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            if (!byId.TryGetValue(rows[i].DatapointId, out var cells))
            {
                cells = [.. configs.Select(_ => new List<int>())];
                byId[rows[i].DatapointId] = cells;
                order.Add(rows[i].DatapointId);
            }

            cells[configs.FindIndex(c => c == rows[i].ModelConfig)].Add(i);
        }

        // Configs compared on no common datapoint (a watch's logs, each answered by one) have nothing side by side.
        if (!byId.Values.Any(cells => cells.Count(c => c.Count > 0) >= 2))
        {
            return null;
        }

        foreach (var id in order)
        {
            var cells = byId[id];
            var labels = cells.Where(c => c.Count > 0).Select(c => Label(rows, c)).Distinct(StringComparer.Ordinal).Count();
            var (file, line) = ReportValues.Place(rows[cells.First(c => c.Count > 0)[0]]);
            lines.Add(new PivotLine { Id = id, Disagree = labels > 1, Cells = [.. cells.Select(c => (IReadOnlyList<int>)c)], File = file, Line = line });
        }

        // Disagreements first; then in dataset order where the rows say it, else by id.
        lines = [.. lines.OrderBy(l => l.Disagree ? 0 : 1)
            .ThenBy(l => l.File ?? "\uffff", StringComparer.Ordinal).ThenBy(l => l.Line).ThenBy(l => l.Id, StringComparer.Ordinal)];
        return new Pivot { Suite = run.Suite, Configs = configs, Columns = columns, Lines = lines, Rows = rows };
    }

    /// <summary>
    /// What a cell says of its rows: the outcome of one row (<c>pass</c>, <c>fail</c>, <c>error</c>,
    /// <c>needs live run</c>), or of several (repeated trials) how many passed (<c>2/3</c>).
    /// </summary>
    public static string Label(IReadOnlyList<Row> rows, IReadOnlyList<int> cell)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(cell);
        return cell.Count switch
        {
            0 => "–",
            1 => rows[cell[0]].NeedsLiveRun ? "needs live run" : ReportValues.Outcome(rows[cell[0]]),
            _ => string.Create(CultureInfo.InvariantCulture, $"{cell.Count(i => rows[i].Outcome == Outcome.Pass)}/{cell.Count}"),
        };
    }

    /// <summary>A score of a cell: the value of one row, or the mean over several (<c>missing</c> when no row has one).</summary>
    public static string Score(IReadOnlyList<Row> rows, IReadOnlyList<int> cell, string column)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.Count == 1)
        {
            return ValueText.Format(rows[cell[0]].Value(column));
        }

        var values = cell.Select(i => ColumnValues.ToDouble(rows[i].Value(column))).OfType<double>().ToList();
        return values.Count == 0 ? ValueText.Format(null) : "mean " + values.Average().ToString("0.###", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The columns each cell shows: those the aggregate rules read, else the first few numeric or true/false columns
    /// of the rows; only columns that some row has a number or true/false for.
    /// </summary>
    private static List<string> ScoreColumns(RunResult run, IReadOnlyList<Row> rows)
    {
        bool Scored(string column) => rows.Any(r => r.Value(column) is bool || ColumnValues.ToDouble(r.Value(column)) is not null);
        var ruled = run.Aggregates.Select(a => OverTimeSection.AggregateColumn().Match(a.Rule)).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).Where(c => c.Contains('.', StringComparison.Ordinal) && Scored(c)).ToList();
        if (ruled.Count > 0)
        {
            return ruled;
        }

        return [.. rows.SelectMany(ReportValues.Columns).Where(c => c.Value is bool || ColumnValues.ToDouble(c.Value) is not null)
            .Select(c => c.Key).Distinct(StringComparer.Ordinal).Take(MaxScoreColumns)];
    }

    private static string Icon(string label) => label switch
    {
        "pass" => "✅",
        "fail" => "❌",
        "error" => "⚠️",
        "needs live run" => "⏸️",
        "–" => string.Empty,
        _ => label.StartsWith("0/", StringComparison.Ordinal) ? "❌" : label.Split('/') is [var a, var b] && a == b ? "✅" : "◐",
    };

    /// <summary>
    /// The Markdown of the section for one suite: the aggregate rules by model config, the count of disagreements,
    /// and the first <paramref name="maxLines"/> datapoints of the pivot (none when 0: the HTML report shows them below).
    /// </summary>
    public static void AppendMarkdown(StringBuilder md, RunResult run, Pivot pivot, int maxLines)
    {
        ArgumentNullException.ThrowIfNull(md);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(pivot);
        var configs = pivot.Configs;
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Model configs side by side: {MarkdownText.Cell(run.Suite)}");
        md.AppendLine();
        var aggregates = Aggregates(run, configs);
        if (aggregates.Count > 0)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| rule | {string.Join(" | ", configs.Select(MarkdownText.Cell))} |");
            md.AppendLine(CultureInfo.InvariantCulture, $"|---|{string.Concat(configs.Select(_ => "---:|"))}");
            foreach (var (rule, results) in aggregates)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {MarkdownText.Cell(rule)} | {string.Join(" | ", results.Select(Shown))} |");
            }

            md.AppendLine();
        }

        var scores = pivot.Columns.Count == 0 ? string.Empty : $" Each cell: outcome · {string.Join(" · ", pivot.Columns.Select(MarkdownText.Cell))}.";
        md.AppendLine(CultureInfo.InvariantCulture, $"Configs disagree on {pivot.Disagreements} of {pivot.Lines.Count} datapoints.{scores}");
        md.AppendLine();
        if (Differences(run, pivot) is { Count: > 0 } differences)
        {
            differences.ToList().ForEach(d => md.AppendLine(CultureInfo.InvariantCulture, $"- {Sentence(d, MarkdownText.Cell)}"));
            md.AppendLine();
        }
        if (maxLines == 0)
        {
            md.AppendLine("_Every datapoint is in the side-by-side section below._");
            return;
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"| | datapoint | {string.Join(" | ", configs.Select(MarkdownText.Cell))} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"|---|---|{string.Concat(configs.Select(_ => "---|"))}");
        foreach (var line in pivot.Lines.Take(maxLines))
        {
            var cells = line.Cells.Select(cell =>
            {
                var label = Label(pivot.Rows, cell);
                var parts = new[] { $"{Icon(label)} {label}".Trim() }.Concat(cell.Count == 0 ? [] : pivot.Columns.Select(c => Score(pivot.Rows, cell, c)));
                return MarkdownText.Cell(string.Join(" · ", parts));
            });
            md.AppendLine(CultureInfo.InvariantCulture, $"| {(line.Disagree ? "≠" : string.Empty)} | {MarkdownText.Cell(MarkdownText.Cut(line.Id, 100))} | {string.Join(" | ", cells)} |");
        }

        if (pivot.Lines.Count > maxLines)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"_{pivot.Lines.Count - maxLines} more datapoints: the HTML report (`evalrunner report RESULTS --format html`) shows every one, and both responses of two model configs side by side._");
        }
    }

    /// <summary>
    /// The HTML of the section for one suite (every datapoint of the pivot, and two pickers for the side-by-side table
    /// that <see cref="Script"/> fills), and its data for that script: cells name rows by their position in the
    /// page's row data, which holds this suite's rows from <paramref name="offset"/> on.
    /// </summary>
    public static (string Html, object Data) Html(RunResult run, Pivot pivot, int offset)
    {
        ArgumentNullException.ThrowIfNull(pivot);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"models\" data-suite=\"{Encode(pivot.Suite)}\">");
        html.Append(CultureInfo.InvariantCulture, $"<h3>{Encode(pivot.Suite)}: configs disagree on {pivot.Disagreements} of {pivot.Lines.Count} datapoints</h3>");
        if (Differences(run, pivot) is { Count: > 0 } differences)
        {
            html.Append(CultureInfo.InvariantCulture, $"<ul class=\"differences\">{string.Concat(differences.Select(d => $"<li>{Encode(Sentence(d))}</li>"))}</ul>");
        }

        html.Append("<table class=\"pivot\"><thead><tr><th></th><th>datapoint</th>");
        foreach (var config in pivot.Configs)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{Encode(config)}</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var line in pivot.Lines)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr{(line.Disagree ? " class=\"differ\"" : string.Empty)}><td>{(line.Disagree ? "≠" : string.Empty)}</td><td>{Encode(line.Id)}</td>");
            foreach (var cell in line.Cells)
            {
                var label = Label(pivot.Rows, cell);
                html.Append(CultureInfo.InvariantCulture, $"<td><span class=\"outcome\">{Encode($"{Icon(label)} {label}".Trim())}</span>");
                if (cell.Count > 0)
                {
                    foreach (var column in pivot.Columns)
                    {
                        html.Append(CultureInfo.InvariantCulture, $"<br><span class=\"score\">{Encode(column)}: {Encode(Score(pivot.Rows, cell, column))}</span>");
                    }
                }

                html.Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table>");
        html.Append("<p class=\"pick\"><label>Compare <select class=\"pick-a\" aria-label=\"first model config\"></select></label> ");
        html.Append("<label>with <select class=\"pick-b\" aria-label=\"second model config\"></select></label> <span class=\"pair-count\"></span></p>");
        html.Append("<table class=\"side-by-side\"><thead><tr><th></th><th>datapoint</th><th class=\"a\"></th><th class=\"b\"></th></tr></thead><tbody></tbody></table>");
        html.Append("</div>");
        var data = new
        {
            configs = pivot.Configs.Select(c => BidiText.Neutralise(c)).ToList(),
            columns = pivot.Columns.Select(c => BidiText.Neutralise(c)).ToList(),
            lines = pivot.Lines.Select(l => new { id = BidiText.Neutralise(l.Id), cells = l.Cells.Select(c => c.Select(i => i + offset).ToList()).ToList() }).ToList(),
        };
        return (html.ToString(), data);
    }

    /// <summary>The JSON of the sections' data for a &lt;script type="application/json"&gt;: "&lt;/" cannot end the element.</summary>
    public static string Json(IEnumerable<object> data) => JsonSerializer.Serialize(data).Replace("</", "<\\/", StringComparison.Ordinal);

    /// <summary>
    /// The page script that fills each section's side-by-side table for the two picked model configs: per datapoint,
    /// each config's outcome, scores and response as text (never markup), the datapoints on which the two disagree first.
    /// </summary>
    public const string Script = """
        (function () {
          const rows = JSON.parse(document.getElementById('data').textContent);
          const suites = JSON.parse(document.getElementById('models-data').textContent);
          const label = cell => cell.length === 0 ? '–' : cell.length === 1 ? rows[cell[0]].outcome : cell.filter(i => rows[i].outcome === 'pass').length + '/' + cell.length;
          const show = v => v === null || v === undefined ? 'missing' : String(v);
          function div(className, text) { const d = document.createElement('div'); d.className = className; d.textContent = text; return d; }
          function side(data, cell, which) {
            const td = document.createElement('td');
            td.className = which;
            td.appendChild(div('outcome', label(cell)));
            cell.forEach((i, n) => {
              const r = rows[i];
              if (cell.length > 1) td.appendChild(div('trial', '#' + (n + 1) + ' ' + r.outcome));
              if (data.columns.length > 0) td.appendChild(div('scores', data.columns.map(c => c + ': ' + show(r.columns[c])).join(' · ')));
              td.appendChild(div('response', r.response ?? r.error ?? ''));
            });
            return td;
          }
          document.querySelectorAll('#models .models').forEach((box, s) => {
            const data = suites[s];
            const a = box.querySelector('select.pick-a'), b = box.querySelector('select.pick-b');
            data.configs.forEach((c, i) => [a, b].forEach(select => {
              const option = document.createElement('option');
              option.value = String(i); option.textContent = c; select.appendChild(option);
            }));
            a.value = '0'; b.value = '1';
            function draw() {
              const x = Number(a.value), y = Number(b.value);
              const lines = data.lines.map(l => ({ l, differ: l.cells[x].length > 0 && l.cells[y].length > 0 && label(l.cells[x]) !== label(l.cells[y]) }));
              const ordered = lines.filter(e => e.differ).concat(lines.filter(e => !e.differ));
              box.querySelector('.side-by-side th.a').textContent = data.configs[x];
              box.querySelector('.side-by-side th.b').textContent = data.configs[y];
              box.querySelector('.side-by-side tbody').replaceChildren(...ordered.map(({ l, differ }) => {
                const tr = document.createElement('tr');
                if (differ) tr.className = 'differ';
                const mark = document.createElement('td'); mark.textContent = differ ? '≠' : ''; tr.appendChild(mark);
                const id = document.createElement('td'); id.className = 'id'; id.textContent = l.id; tr.appendChild(id);
                tr.appendChild(side(data, l.cells[x], 'a'));
                tr.appendChild(side(data, l.cells[y], 'b'));
                return tr;
              }));
              box.querySelector('.pair-count').textContent = data.configs[x] + ' and ' + data.configs[y] + ' disagree on '
                + lines.filter(e => e.differ).length + ' of ' + lines.length + ' datapoints';
            }
            a.addEventListener('change', draw);
            b.addEventListener('change', draw);
            draw();
          });
        })();
        """;

    private static string Encode(string text) => WebUtility.HtmlEncode(BidiText.Neutralise(text));

    /// <summary>Two model configs on the datapoints both measured: how many pass with only one of them, and the McNemar p.</summary>
    internal sealed record ConfigDifference(string First, string Other, int Datapoints, int OnlyFirst, int OnlyOther, double P);

    /// <summary>One suite's rows by datapoint and model config.</summary>
    internal sealed record Pivot
    {
        /// <summary>The suite's name.</summary>
        public required string Suite { get; init; }

        /// <summary>The model configs: the pivot's columns.</summary>
        public required IReadOnlyList<string> Configs { get; init; }

        /// <summary>The score columns (<c>evaluator.column</c>) each cell shows.</summary>
        public required IReadOnlyList<string> Columns { get; init; }

        /// <summary>One line per datapoint, those on which the configs disagree first.</summary>
        public required IReadOnlyList<PivotLine> Lines { get; init; }

        /// <summary>The rows whose positions the cells hold.</summary>
        public required IReadOnlyList<Row> Rows { get; init; }

        /// <summary>How many datapoints the configs disagree on.</summary>
        public int Disagreements => Lines.Count(l => l.Disagree);
    }

    /// <summary>One datapoint of a <see cref="Pivot"/>.</summary>
    internal sealed record PivotLine
    {
        /// <summary>The datapoint's id.</summary>
        public required string Id { get; init; }

        /// <summary>Whether the model configs that have rows for it disagree on its outcome (or pass count).</summary>
        public required bool Disagree { get; init; }

        /// <summary>Per model config (in the pivot's order), the positions of its rows: one, several trials, or none.</summary>
        public required IReadOnlyList<IReadOnlyList<int>> Cells { get; init; }

        /// <summary>The dataset file the datapoint is in, when the rows say it.</summary>
        public string? File { get; init; }

        /// <summary>Its line in that file, or 0.</summary>
        public int Line { get; init; }
    }
}
