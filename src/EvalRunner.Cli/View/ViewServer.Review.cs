using System.Globalization;
using System.Text;
using System.Text.Json;
using EvalRunner.Evaluators;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Reviews;
using Microsoft.AspNetCore.Http;
using static EvalRunner.Cli.View.ViewHtml;

namespace EvalRunner.Cli.View;

/// <summary>
/// The review queue: a row at a time, the suite's external evaluator's columns as a form with keyboard shortcuts, the
/// other reviewers' scores of the row and the agreement of every pair of raters; a score is written to the suite's
/// scores file and to no other.
/// </summary>
internal sealed partial class ViewServer
{
    private const int MaxReviewer = 100;

    /// <summary>The most values a whole-number column offers as keys; a wider range gets a number field.</summary>
    private const int MaxKeyedValues = 10;

    private static readonly string[] Orders = ["failing", "sample", "disagreement"];

    /// <summary>The queue's state as the page's links and form carry it.</summary>
    private sealed record ReviewState(string Run, string Reviewer, string Order, int? Count, int Seed, int Skip)
    {
        public (string, string?)[] Query(int skip) =>
            [("run", Run), ("reviewer", Reviewer), ("order", Order), ("count", Count?.ToString(CultureInfo.InvariantCulture)), ("seed", Seed.ToString(CultureInfo.InvariantCulture)), ("skip", skip.ToString(CultureInfo.InvariantCulture))];

        public ReviewQueueOptions Options(string evaluator) => new()
        {
            Evaluator = evaluator,
            Order = Order switch { "sample" => ReviewOrder.Sample, "disagreement" => ReviewOrder.Disagreement, _ => ReviewOrder.FailingFirst },
            Count = Count,
            Seed = Seed,
        };
    }

    private async Task ReviewAsync(HttpContext context)
    {
        if (_suite is null || _scores is null || _evaluator is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status404NotFound, "reviewing needs the suite that declares the scores: evalrunner view DIR --suite FILE.eval.yaml [--evaluator NAME]").ConfigureAwait(false);
            return;
        }

        var query = context.Request.Query;
        var (runs, _) = await _runs.ScanAsync(context.RequestAborted).ConfigureAwait(false);
        var ofSuite = runs.Where(r => r.Run.Suite == _suite.Name).ToList();
        var run = ofSuite.FirstOrDefault(r => r.Id == query["run"]) ?? ofSuite.FirstOrDefault();
        if (run is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status404NotFound, $"no run of suite '{_suite.Name}' under {string.Join(", ", _options.Directories)}: run it first (evalrunner run)").ConfigureAwait(false);
            return;
        }

        var reviewer = query["reviewer"].ToString().Trim();
        if (reviewer.Length == 0 || Problem(reviewer) is not null)
        {
            await WritePageAsync(context, "EvalRunner view: review", Start(run, ofSuite, reviewer.Length == 0 ? null : Problem(reviewer))).ConfigureAwait(false);
            return;
        }

        var state = new ReviewState(
            run.Id,
            reviewer,
            Orders.Contains(query["order"].ToString()) ? query["order"].ToString() : "failing",
            int.TryParse(query["count"], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0 ? count : null,
            int.TryParse(query["seed"], NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : 0,
            int.TryParse(query["skip"], NumberStyles.None, CultureInfo.InvariantCulture, out var skip) ? skip : 0);
        List<Row> rows = [.. ResultsStore.ReadRows(run.Directory)];
        var queue = await ReviewQueue.ForAsync(rows, _suite, reviewer, state.Options(_evaluator), context.RequestAborted).ConfigureAwait(false);
        var scores = await _scores.ReadAsync(context.RequestAborted).ConfigureAwait(false);

        var body = new StringBuilder(Nav());
        body.Append(CultureInfo.InvariantCulture, $"<h1>Review: {H(_suite.Name)}</h1><p class=\"note\">reviewer <b id=\"reviewer\">{H(reviewer)}</b>, {H(state.Order)} order, run of {run.Run.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; scores go to <code>{H(_suite.Evaluators.OfType<Evaluators.BuiltIn.ExternalSpec>().First(e => e.Name == _evaluator).File)}</code> (evaluator {H(_evaluator)})</p>");
        if (query["saved"].ToString() is { Length: > 0 } saved)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"note\" id=\"saved\">saved {H(saved)}</p>");
        }

        body.Append(CultureInfo.InvariantCulture, $"<p id=\"left\" data-left=\"{queue.Count}\">{queue.Count} rows left in this queue</p>");
        string? script = null;
        if (state.Skip < queue.Count)
        {
            await RowToReviewAsync(body, queue[state.Skip], state, scores, context.RequestAborted).ConfigureAwait(false);
            script = KeyboardScript;
        }
        else
        {
            body.Append("<p id=\"done\">Nothing left to review in this queue.</p>");
        }

        await AgreementAsync(body, rows, context.RequestAborted).ConfigureAwait(false);
        await WritePageAsync(context, "EvalRunner view: review", body.ToString(), script).ConfigureAwait(false);
    }

    /// <summary>Why a reviewer name cannot be one (it goes into the scores file and onto every page); null when it can.</summary>
    private static string? Problem(string reviewer) =>
        reviewer.Length > MaxReviewer ? $"a reviewer name has at most {MaxReviewer} characters"
        : reviewer.Any(char.IsControl) ? "a reviewer name is one line of text"
        : null;

    /// <summary>The form that starts a review: who reviews, which run, in which order.</summary>
    private string Start(ViewRun run, IReadOnlyList<ViewRun> runs, string? problem)
    {
        var body = new StringBuilder(Nav());
        body.Append(CultureInfo.InvariantCulture, $"<h1>Review: {H(_suite!.Name)}</h1>");
        if (problem is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"problem\">{H(problem)}</p>");
        }

        body.Append(CultureInfo.InvariantCulture, $"""
            <form method="get" action="/review" id="start">{TokenField(Token)}
            <p><label>Reviewer <input name="reviewer" id="reviewer-name" required maxlength="{MaxReviewer}" autofocus></label></p>
            <p><label>Run <select name="run">{string.Concat(runs.Select(r => $"<option value=\"{r.Id}\"{(r == run ? " selected" : string.Empty)}>{H($"{r.Run.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC {r.Run.Source?.Commit?[..Math.Min(12, r.Run.Source.Commit.Length)]} ({r.Directory})")}</option>"))}</select></label></p>
            <p><label>Order <select name="order"><option value="failing">failing rows first</option><option value="sample">a random sample</option><option value="disagreement">where the judge and the other rules disagree</option></select></label>
            <label>Sample size <input name="count" type="number" min="1"></label> <label>Seed <input name="seed" type="number" min="0" value="0"></label></p>
            <button type="submit">Start</button></form>
            """);
        return body.ToString();
    }

    private async Task RowToReviewAsync(StringBuilder body, Row row, ReviewState state, IReadOnlyList<ReviewScore> scores, CancellationToken cancellationToken)
    {
        var outcome = RowFilter.OutcomeOf(row);
        var judged = ReportValues.Columns(row).ToList();
        body.Append(CultureInfo.InvariantCulture, $"""
            <article id="row" data-datapoint="{H(row.DatapointId)}" data-model="{H(row.ModelConfig)}">
            <h2>{H(row.DatapointId)} <span class="note">{H(row.ModelConfig)}{(row.Trial > 1 ? $", trial {row.Trial}" : string.Empty)}</span> <span class="{outcome}">{outcome}</span></h2>
            <div class="review-row"><section><h3>Input</h3><div class="text" id="input">{H(row.Input)}</div>
            <h3>Expected</h3><div class="text" id="expected">{H(row.Expected)}</div>
            {await ContextAsync(row.DatapointId, cancellationToken).ConfigureAwait(false)}</section>
            <section><h3>Response</h3><div class="text" id="response">{H(row.Log.Response)}</div>
            {(row.Error is null ? string.Empty : $"<h3>Error</h3><div class=\"text\">{H(row.Error.Message)}</div>")}
            {(row.FailedRules.Count == 0 ? string.Empty : $"<h3>Failed rules</h3><div class=\"text\">{H(string.Join("; ", row.FailedRules))}</div>")}
            <h3>Evaluators</h3><table id="evaluations">{string.Concat(judged.Select(c => $"<tr><th>{H(c.Key)}</th><td class=\"text\">{H(ReportValues.Show(c.Value))}</td></tr>"))}</table></section></div>
            """);
        Reviewers(body, row, scores, judged);
        body.Append(CultureInfo.InvariantCulture, $"""
            <form method="post" action="/review" id="score">{TokenField(Token)}
            {Hidden("run", state.Run)}{Hidden("reviewer", state.Reviewer)}{Hidden("order", state.Order)}{Hidden("count", state.Count?.ToString(CultureInfo.InvariantCulture))}{Hidden("seed", state.Seed.ToString(CultureInfo.InvariantCulture))}{Hidden("skip", state.Skip.ToString(CultureInfo.InvariantCulture))}
            {Hidden("datapoint", row.DatapointId)}{Hidden("model", row.ModelConfig)}
            {string.Concat(_scores!.Columns.Select(Field))}
            <p><button type="submit" id="save">Save and next <kbd>Enter</kbd></button> {Link(Url(Token, "/review", state.Query(state.Skip + 1)), "Skip")} <kbd>s</kbd>
            <span class="note">keys: <kbd>y</kbd>/<kbd>n</kbd> for yes/no, digits for a rating or a choice, <kbd>↑</kbd>/<kbd>↓</kbd> between fields, <kbd>Esc</kbd> leaves a text field, <kbd>Ctrl</kbd>+<kbd>Enter</kbd> saves from one</span></p>
            </form></article>
            """);
    }

    private static string Hidden(string name, string? value) => value is null ? string.Empty : $"<input type=\"hidden\" name=\"{name}\" value=\"{H(value)}\">";

    /// <summary>One declared column as a form field; bools, short ranges and choices answer to keys.</summary>
    private static string Field(Column column)
    {
        var name = "v." + column.Name;
        string Radio(string value, string key, string label) =>
            $"<label><input type=\"radio\" name=\"{H(name)}\" value=\"{H(value)}\" data-key=\"{H(key)}\"> {H(label)} <kbd>{H(key)}</kbd></label> ";
        var input = column.Type switch
        {
            ColumnType.Bool => Radio("true", "y", "yes") + Radio("false", "n", "no"),
            ColumnType.Choice => string.Concat(column.Choices.Take(9).Select((choice, i) => Radio(choice, (i + 1).ToString(CultureInfo.InvariantCulture), choice)))
                + (column.Choices.Count > 9 ? $"<select name=\"{H(name)}\"><option value=\"\"></option>{string.Concat(column.Choices.Skip(9).Select(c => $"<option>{H(c)}</option>"))}</select>" : string.Empty),
            ColumnType.Integer when column.Minimum is { } min && column.Maximum is { } max && max - min < MaxKeyedValues && min >= 0 && max <= 9 =>
                string.Concat(Enumerable.Range((int)Math.Ceiling(min), (int)Math.Floor(max) - (int)Math.Ceiling(min) + 1).Select(v => Radio(v.ToString(CultureInfo.InvariantCulture), v.ToString(CultureInfo.InvariantCulture), v.ToString(CultureInfo.InvariantCulture)))),
            ColumnType.Integer => $"<input type=\"number\" step=\"1\" name=\"{H(name)}\"{Range(column)}>",
            ColumnType.Float => $"<input type=\"number\" step=\"any\" name=\"{H(name)}\"{Range(column)}>",
            _ => $"<textarea name=\"{H(name)}\" rows=\"3\" cols=\"60\"></textarea>",
        };
        return $"<div class=\"field\" data-column=\"{H(column.Name)}\"><b>{H(column.Name)}</b>{(column.Description is null ? string.Empty : $" <span class=\"note\">{H(column.Description)}</span>")}<br>{input}</div>";
    }

    private static string Range(Column column) =>
        (column.Minimum is { } min ? $" min=\"{min.ToString(CultureInfo.InvariantCulture)}\"" : string.Empty)
        + (column.Maximum is { } max ? $" max=\"{max.ToString(CultureInfo.InvariantCulture)}\"" : string.Empty);

    /// <summary>The datapoint's context from the suite's dataset, when the dataset still has it.</summary>
    private async Task<string> ContextAsync(string datapointId, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var datapoint in _suite!.ReadDatapointsAsync(new ProblemList(), cancellationToken).ConfigureAwait(false))
            {
                if (datapoint.Id == datapointId)
                {
                    return datapoint.Context.Count == 0
                        ? string.Empty
                        : $"<h3>Context</h3><table id=\"context\">{string.Concat(datapoint.Context.Select(c => $"<tr><th>{H(c.Key)}</th><td class=\"text\">{H(c.Value.ValueKind == JsonValueKind.String ? c.Value.GetString() : c.Value.GetRawText())}</td></tr>"))}</table>";
                }
            }
        }
        catch (EvalRunnerException)
        {
            // The dataset no longer reads: the row is reviewed without its context.
        }

        return string.Empty;
    }

    /// <summary>The other reviewers' scores of the row and the run's evaluators' values of the same columns; a column they do not agree on is marked.</summary>
    private void Reviewers(StringBuilder body, Row row, IReadOnlyList<ReviewScore> scores, IReadOnlyList<KeyValuePair<string, object?>> judged)
    {
        var ofRow = scores.Where(s => s.DatapointId == row.DatapointId && (s.ModelConfig is null || s.ModelConfig == row.ModelConfig)).OrderBy(s => s.Reviewer, StringComparer.Ordinal).ToList();
        if (ofRow.Count == 0)
        {
            return;
        }

        var columns = _scores!.Columns;
        body.Append("<h3>Scores given</h3><table id=\"reviewers\"><tr><th>rater</th>");
        body.AppendJoin(string.Empty, columns.Select(c => $"<th>{H(c.Name)}</th>"));
        body.Append("</tr>");
        var judges = judged.Where(j => !j.Key.StartsWith(_evaluator + ".", StringComparison.Ordinal) && columns.Any(c => j.Key.EndsWith("." + c.Name, StringComparison.Ordinal)))
            .GroupBy(j => j.Key[..j.Key.LastIndexOf('.')], StringComparer.Ordinal).ToList();
        var disagree = columns.Where(c => ofRow.Select(s => Normal(c, s.Values.GetValueOrDefault(c.Name))).Concat(judges.Select(g => Normal(c, g.FirstOrDefault(j => j.Key.EndsWith("." + c.Name, StringComparison.Ordinal)).Value)))
            .Where(v => v is not null).Distinct(StringComparer.Ordinal).Count() > 1 && c.Type != ColumnType.String).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var score in ofRow)
        {
            body.Append(CultureInfo.InvariantCulture, $"<tr><td>{H(score.Reviewer)}</td>");
            body.AppendJoin(string.Empty, columns.Select(c => $"<td class=\"text{(disagree.Contains(c.Name) ? " disagree" : string.Empty)}\">{H(score.Values.GetValueOrDefault(c.Name))}</td>"));
            body.Append("</tr>");
        }

        foreach (var judge in judges)
        {
            body.Append(CultureInfo.InvariantCulture, $"<tr><td>{H(judge.Key)} <span class=\"note\">(evaluator)</span></td>");
            body.AppendJoin(string.Empty, columns.Select(c => $"<td class=\"text{(disagree.Contains(c.Name) ? " disagree" : string.Empty)}\">{H(judge.FirstOrDefault(j => j.Key == $"{judge.Key}.{c.Name}").Value is { } v ? ReportValues.Show(v) : null)}</td>"));
            body.Append("</tr>");
        }

        body.Append("</table>");
        if (disagree.Count > 0)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"disagree\" id=\"disagreement\">raters disagree on {H(string.Join(", ", disagree))}</p>");
        }
    }

    /// <summary>A value as compared for disagreement: bools and numbers in one spelling.</summary>
    private static string? Normal(Column column, object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        double or int or long => Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        string { Length: 0 } => null,
        string text when Evaluators.BuiltIn.ScoreText.Value(column, text.Trim()) is { } typed and not string => Normal(column, typed),
        _ => value.ToString(),
    };

    /// <summary>Every pair of raters' kappa on each column (reviewers with each other, and with the run's evaluators of the same columns).</summary>
    private async Task AgreementAsync(StringBuilder body, IReadOnlyList<Row> rows, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReviewAgreementPair> pairs;
        try
        {
            pairs = [.. (await ReviewAgreement.ComputeAsync(_suite!, _evaluator!, rows, cancellationToken).ConfigureAwait(false)).Where(p => p.Datapoints > 0)];
        }
        catch (EvalRunnerException ex)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"problem\">{H(_options.Settings.Redact(ex.Message))}</p>");
            return;
        }

        body.Append("<h2>Agreement</h2>");
        if (pairs.Count == 0)
        {
            body.Append("<p class=\"note\" id=\"agreement\">No two raters scored the same rows yet.</p>");
            return;
        }

        body.Append("<table id=\"agreement\"><thead><tr><th>column</th><th>rater</th><th>rater</th><th>rows both scored</th><th>kappa</th><th>weighting</th></tr></thead><tbody>");
        foreach (var pair in pairs)
        {
            body.Append(CultureInfo.InvariantCulture, $"""
                <tr data-column="{H(pair.Column)}" data-a="{H(pair.RaterA)}" data-b="{H(pair.RaterB)}"><td>{H($"{_evaluator}.{pair.Column}")}</td><td>{H(pair.RaterA)}</td><td>{H(pair.RaterB)}</td><td>{pair.Datapoints}</td>
                <td class="kappa">{(pair.Kappa is { } kappa ? kappa.ToString("0.000", CultureInfo.InvariantCulture) : "–")}</td><td>{(pair.Weighting == ReviewWeighting.Quadratic ? "quadratic" : "cohen")}</td></tr>
                """);
        }

        body.Append("</tbody></table><p class=\"note\">Cohen's kappa: 1 is full agreement, 0 what chance gives (docs/review.md).</p>");
    }

    /// <summary>Records one score from the form, then shows the next row of the queue.</summary>
    private async Task ScoreAsync(HttpContext context)
    {
        if (_suite is null || _scores is null)
        {
            await WriteProblemAsync(context, StatusCodes.Status404NotFound, "reviewing needs the suite that declares the scores: evalrunner view DIR --suite FILE.eval.yaml").ConfigureAwait(false);
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var reviewer = form["reviewer"].ToString().Trim();
        var run = await _runs.FindAsync(form["run"], context.RequestAborted).ConfigureAwait(false);
        var datapoint = form["datapoint"].ToString();
        var model = form["model"].ToString();
        if ((reviewer.Length == 0 ? "a score needs the reviewer's name" : Problem(reviewer)) is { } problem)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, problem).ConfigureAwait(false);
            return;
        }

        if (run is null || run.Run.Suite != _suite.Name || !ResultsStore.ReadRows(run.Directory).Any(r => r.DatapointId == datapoint && r.ModelConfig == model))
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, $"no row '{datapoint}' of model config '{model}' in that run of suite '{_suite.Name}'").ConfigureAwait(false);
            return;
        }

        var score = new ReviewScore
        {
            DatapointId = datapoint,
            ModelConfig = model,
            Reviewer = reviewer,
            Values = _scores.Columns.ToDictionary(c => c.Name, c => form["v." + c.Name].ToString() is { Length: > 0 } v ? v : null, StringComparer.Ordinal),
        };
        try
        {
            await _scores.WriteAsync(score, context.RequestAborted).ConfigureAwait(false);
        }
        catch (ReviewException ex)
        {
            await WriteProblemAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }

        var state = new ReviewState(run.Id, reviewer, form["order"].ToString(), int.TryParse(form["count"], CultureInfo.InvariantCulture, out var count) ? count : null, int.TryParse(form["seed"], CultureInfo.InvariantCulture, out var seed) ? seed : 0, 0);
        // The row just scored left the queue: the same place now holds the next one.
        var skip = int.TryParse(form["skip"], CultureInfo.InvariantCulture, out var s) ? s : 0;
        context.Response.Redirect(Url(Token, "/review", [.. state.Query(skip), ("saved", datapoint)]));
    }

    /// <summary>The review page's keys: a field at a time, its keyed values, Enter saves, s skips.</summary>
    private const string KeyboardScript = """
        (function () {
          const form = document.getElementById('score');
          const skip = form.querySelector('a');
          const fields = [...form.querySelectorAll('.field')];
          let current = 0;
          function focus(i) {
            current = i;
            fields.forEach((f, j) => f.classList.toggle('current', j === i));
            const text = fields[i] && fields[i].querySelector('textarea, input[type=number], select');
            if (text) text.focus(); else if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
          }
          function next() { if (current < fields.length - 1) focus(current + 1); }
          document.addEventListener('keydown', e => {
            if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); form.requestSubmit(); return; }
            if (e.ctrlKey || e.metaKey || e.altKey) return;
            const t = e.target;
            const typing = t && (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || (t.tagName === 'INPUT' && t.type !== 'radio'));
            if (typing) {
              if (e.key === 'Escape') { t.blur(); }
              else if (e.key === 'Enter' && t.tagName !== 'TEXTAREA') { e.preventDefault(); if (current < fields.length - 1) next(); else form.requestSubmit(); }
              return;
            }
            if (e.key === 'Enter') { e.preventDefault(); form.requestSubmit(); return; }
            if (e.key === 's') { e.preventDefault(); location.href = skip.href; return; }
            if (e.key === 'ArrowDown') { e.preventDefault(); next(); return; }
            if (e.key === 'ArrowUp') { e.preventDefault(); focus(Math.max(0, current - 1)); return; }
            const field = fields[current];
            const radio = field && [...field.querySelectorAll('input[type=radio]')].find(r => r.dataset.key === e.key);
            if (radio) { e.preventDefault(); radio.checked = true; next(); }
          });
          fields.forEach((f, i) => f.addEventListener('click', () => { current = i; fields.forEach((g, j) => g.classList.toggle('current', j === i)); }));
          focus(0);
        })();
        """;
}
