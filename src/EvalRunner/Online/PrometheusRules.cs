using System.Globalization;
using System.Text;
using EvalRunner.Evaluators;
using EvalRunner.Suites;
using EvalRunner.Thresholds;
using MathNet.Numerics.Distributions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EvalRunner.Online;

/// <summary>
/// A suite's online aggregate thresholds as Prometheus alerting rules over the watcher's metrics: <c>rate</c> and
/// <c>mean</c> of a bool column, and the bounds of their Wilson interval, from the counters
/// <c>evalrunner_watch_column_rows_total</c> and <c>evalrunner_watch_column_true_total</c> summed over every watcher
/// process, per model config, over the window. An alert fires while a rule is not met, as the watcher's own
/// <c>breach</c> does.
/// </summary>
internal static partial class PrometheusRules
{
    /// <summary>The name of every alert; the rule is the <c>evalrunner_rule</c> label.</summary>
    public const string AlertName = "EvalRunnerRuleBreached";

    /// <summary>The 97.5% quantile of the standard normal distribution (1.959963984540054…): the z of the engine's 95% Wilson interval.</summary>
    internal static readonly double Z = Normal.InvCDF(0, 1, 0.975);

    private const string By = "sum by (evalrunner_suite, evalrunner_model_config)";

    /// <summary>
    /// Translates the aggregate thresholds of <paramref name="suite"/> that PromQL can express into a rules file, and
    /// lists the others with the reason.
    /// </summary>
    public static PrometheusRuleSet Translate(Suite suite, PrometheusRulesRequest request)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(request);
        var online = suite.Online ?? new OnlineOptions();
        var window = request.Window ?? online.WindowDuration;
        var written = new List<Threshold>();
        var unexpressed = new List<UnexpressedRule>();
        foreach (var threshold in suite.Thresholds)
        {
            if (Unexpressible(threshold, suite, window, online) is { } reason)
            {
                unexpressed.Add(new UnexpressedRule { Rule = threshold.Text, Reason = reason });
            }
            else
            {
                written.Add(threshold);
            }
        }

        var yaml = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(yaml, new EmitterSettings().WithBestWidth(int.MaxValue));
        emitter.Emit(new StreamStart());
        foreach (var line in Header(suite, request, window, written.Count, unexpressed))
        {
            emitter.Emit(new Comment(line, false));
        }

        emitter.Emit(new DocumentStart());
        emitter.Emit(new MappingStart());
        Plain(emitter, "groups");
        emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Block));
        if (written.Count > 0)
        {
            emitter.Emit(new MappingStart());
            Plain(emitter, "name");
            Quoted(emitter, $"evalrunner-{suite.Name}");
            Plain(emitter, "rules");
            emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Block));
            foreach (var threshold in written)
            {
                EmitRule(emitter, suite, threshold, window!.Value, online, request);
            }

            emitter.Emit(new SequenceEnd());
            emitter.Emit(new MappingEnd());
        }

        emitter.Emit(new SequenceEnd());
        emitter.Emit(new MappingEnd());
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        var text = yaml.ToString();
        return new PrometheusRuleSet { Yaml = text.EndsWith('\n') ? text : text + "\n", Written = [.. written.Select(t => t.Text)], Unexpressed = unexpressed };
    }

    /// <summary>Why <paramref name="threshold"/> cannot be an alerting rule; null when it can.</summary>
    private static string? Unexpressible(Threshold threshold, Suite suite, TimeSpan? window, OnlineOptions online)
    {
        if (!threshold.IsAggregate)
        {
            return "a per-datapoint rule decides each log, not the window; its result is the row's outcome, which rate(outcome.passed) counts";
        }

        if (threshold.IsRegression)
        {
            return "a rule against the baseline; the watcher does not decide it either";
        }

        var function = threshold.Function!.Value;
        var type = suite.Columns.TryGetValue(threshold.ColumnName, out var column) ? column.Type : (ColumnType?)null;
        if (function is AggregateFunction.P50 or AggregateFunction.P90 or AggregateFunction.P95 or AggregateFunction.P99)
        {
            return "a percentile, and its bootstrap interval, needs every value in the window; the watcher's metrics count the rows and the true values of bool columns only";
        }

        if (function is AggregateFunction.Min or AggregateFunction.Max)
        {
            return $"{function.ToString().ToLowerInvariant()}() needs every value in the window; the watcher's metrics count the rows and the true values of bool columns only";
        }

        if (function is AggregateFunction.Sum or AggregateFunction.Count)
        {
            return $"the watcher exports no metric for {function.ToString().ToLowerInvariant()}(); it counts the rows and the true values of the bool columns that rate() and mean() rules read";
        }

        if (type != ColumnType.Bool)
        {
            return $"mean() of {threshold.ColumnName}, {(type == ColumnType.Integer ? "an integer" : "a float")} column, needs every value in the window; the watcher's metrics count the rows and the true values of bool columns only";
        }

        if (window is null)
        {
            return $"the window is the latest {online.WindowLogs ?? OnlineOptions.DefaultWindowLogs} logs, and a Prometheus range is a duration: set online.window to a duration (1h), or give --window";
        }

        return null;
    }

    private static IEnumerable<string> Header(Suite suite, PrometheusRulesRequest request, TimeSpan? window, int written, List<UnexpressedRule> unexpressed)
    {
        yield return $"Prometheus alerting rules for the online thresholds of suite '{suite.Name}' ({request.SuitePath}),";
        yield return "written by `evalrunner alerts`. Each alert fires while its rule is not met by a model config's logs"
            + (written > 0 && window is { } range ? $" of the last {Duration(range)}." : ".");
        if (unexpressed.Count > 0)
        {
            yield return "Not expressible in PromQL; only `evalrunner watch` decides these:";
            foreach (var rule in unexpressed)
            {
                yield return $"- {rule}";
            }
        }
    }

    private static void EmitRule(Emitter emitter, Suite suite, Threshold threshold, TimeSpan window, OnlineOptions online, PrometheusRulesRequest request)
    {
        var range = Duration(window);
        var subject = threshold.Bound switch
        {
            IntervalBound.Lower => $"the lower bound of the 95% Wilson interval of {threshold.AggregateText}",
            IntervalBound.Upper => $"the upper bound of the 95% Wilson interval of {threshold.AggregateText}",
            _ => threshold.AggregateText,
        };
        emitter.Emit(new MappingStart());
        Plain(emitter, "alert");
        Plain(emitter, AlertName);
        Plain(emitter, "expr");
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, Expression(suite, threshold, range, online.MinLogs), ScalarStyle.Literal, false, true));
        Plain(emitter, "for");
        Plain(emitter, Duration(request.For));
        if (online.AlertCooldown > TimeSpan.Zero)
        {
            // The watcher clears a rule no sooner than its cooldown after the breach: a value near the threshold does not flap.
            Plain(emitter, "keep_firing_for");
            Plain(emitter, Duration(online.AlertCooldown));
        }

        Plain(emitter, "labels");
        emitter.Emit(new MappingStart());
        Plain(emitter, "evalrunner_rule");
        Quoted(emitter, Literal(threshold.Text));
        Plain(emitter, "severity");
        Quoted(emitter, Literal(request.Severity));
        emitter.Emit(new MappingEnd());
        Plain(emitter, "annotations");
        emitter.Emit(new MappingStart());
        Plain(emitter, "summary");
        Quoted(emitter, Literal($"{suite.Name}: {threshold.Text} is not met by model config ") + "{{ $labels.evalrunner_model_config }}");
        Plain(emitter, "description");
        Quoted(
            emitter,
            Literal($"Over the last {range} ({online.MinLogs} logs or more), {subject} is ") + "{{ $value }}"
                + Literal($" (0 when no log has a value of {threshold.ColumnName}); the rule wants {threshold.Operator} {Number(Expected(threshold))}."));
        emitter.Emit(new MappingEnd());
        emitter.Emit(new MappingEnd());
    }

    /// <summary>
    /// The PromQL that has a result, per model config, while the rule is not met: the compared value oriented against
    /// the rule, or no row with a value of the column at all (nothing measured never passes), provided the window holds
    /// <c>min_logs</c> logs.
    /// </summary>
    internal static string Expression(Suite suite, Threshold threshold, string range, int minLogs)
    {
        var selector = $"{{evalrunner_suite=\"{Escape(suite.Name)}\", evalrunner_column=\"{Escape(threshold.ColumnName)}\"}}";
        var rows = $"{By} (increase(evalrunner_watch_column_rows_total{selector}[{range}]))";
        var logs = $"{By} (increase(evalrunner_watch_logs_total{{evalrunner_suite=\"{Escape(suite.Name)}\"}}[{range}]))";
        // A model config whose rows were all false may have no true counter at all: it counts as 0 trues.
        var trues = $"({By} (increase(evalrunner_watch_column_true_total{selector}[{range}])) or 0 * {rows})";
        string[] compared;
        if (threshold.Bound is { } bound)
        {
            // Wilson (1927) with p = T/N, multiplied through by N: (T + z²/2 ∓ z·sqrt(T(N − T)/N + z²/4)) / (N + z²).
            var z2 = Z * Z;
            var lower = bound == IntervalBound.Lower;
            compared =
            [
                lower ? "clamp_min(" : "clamp_max(",
                "  (",
                $"    {trues}",
                $"    + {Number(z2 / 2)}",
                $"    {(lower ? "-" : "+")} {Number(Z)} * sqrt(",
                $"      {trues}",
                $"      * ({rows} - {trues})",
                $"      / {rows}",
                $"      + {Number(z2 / 4)}",
                "    )",
                "  )",
                $"  / ({rows} + {Number(z2)}),",
                lower ? "  0" : "  1",
                ")",
            ];
        }
        else
        {
            compared = [trues, $"/ {rows}"];
        }

        var lines = new List<string> { "(" };
        lines.AddRange(compared.Select(line => "  " + line));
        lines.Add($"  {Breach(threshold.Operator)} {Number(Expected(threshold))}");
        lines.Add($"  or {rows} == 0");
        lines.Add($"  or 0 * {logs} unless {rows}");
        lines.Add(")");
        lines.Add($"and {logs} >= {minLogs.ToString(CultureInfo.InvariantCulture)}");
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>The comparison that holds when the rule's does not: a rule <c>&gt;= 0.8</c> is breached below 0.8.</summary>
    private static string Breach(string op) => op switch
    {
        ">=" => "<",
        ">" => "<=",
        "<=" => ">",
        "<" => ">=",
        "==" => "!=",
        _ => "==",
    };

    private static double Expected(Threshold threshold) => threshold.Expected switch
    {
        double number => number,
        bool flag => flag ? 1 : 0,
        _ => double.NaN,
    };

    /// <summary>A number as PromQL and Go read it back exactly.</summary>
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A duration as Prometheus writes one: <c>1h30m</c>, <c>90s</c>, <c>0s</c>.</summary>
    internal static string Duration(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return "0s";
        }

        var text = new StringBuilder();
        var rest = duration;
        foreach (var (unit, size) in new[] { ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)), ("ms", TimeSpan.FromMilliseconds(1)) })
        {
            var count = (long)(rest.Ticks / size.Ticks);
            if (count > 0)
            {
                text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
                rest -= TimeSpan.FromTicks(count * size.Ticks);
            }
        }

        return text.Length == 0 ? "0s" : text.ToString();
    }

    /// <summary>A string inside a PromQL double-quoted label value.</summary>
    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>Text that Prometheus's templates (labels and annotations are templates) give back as written.</summary>
    private static string Literal(string text) => text.Replace("{{", "{{ \"{{\" }}", StringComparison.Ordinal);

    private static void Plain(Emitter emitter, string value) => emitter.Emit(new Scalar(value));

    private static void Quoted(Emitter emitter, string value) =>
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, ScalarStyle.DoubleQuoted, false, true));
}
