using EvalRunner.Logs;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using MeaiEvaluator = Microsoft.Extensions.AI.Evaluation.IEvaluator;

namespace EvalRunner.Evaluators;

/// <summary>
/// Runs an evaluator from Microsoft.Extensions.AI.Evaluation (its <c>IEvaluator</c>) in a suite, like any C# evaluator:
/// pass it to <c>SuiteLoader.Load</c>. Per metric it returns the value (<c>word_count</c>), the
/// interpretation's rating (<c>word_count_rating</c>: unknown, inconclusive, unacceptable, poor, average, good or
/// exceptional), whether the interpretation failed (<c>word_count_failed</c>) and its reason (<c>word_count_reason</c>;
/// these three are skipped by thresholds when the metric has no interpretation). It also returns <c>diagnostics</c>
/// (warnings and errors, one per line) and what its judge calls cost: <c>input_tokens</c>, <c>output_tokens</c> and
/// <c>cost_usd</c>, which count towards the run's spend and budgets.
/// </summary>
/// <remarks>
/// The evaluator sees the datapoint's messages and the generated response as an assistant message; for an agent, the
/// response's messages before it hold a <see cref="FunctionCallContent"/> and a <see cref="FunctionResultContent"/>
/// per tool call, and its additional context a <see cref="ToolDefinitionsContext"/> with the tools offered. Its chat
/// configuration is the suite's top-level <c>judge:</c>, with the run's cache, retries and request timeout; without a
/// judge, a call to the chat client fails the evaluation with how to add one. A metric that reports an error
/// diagnostic fails the evaluation with the diagnostic's message; a missing metric value is an evaluation error too.
/// </remarks>
public sealed class ExtensionsAIEvaluator : IEvaluator
{
    private readonly MeaiEvaluator _inner;
    private readonly IReadOnlyList<ExtensionsAIMetric> _metrics;

    /// <summary>Wraps <paramref name="inner"/> as the evaluator <paramref name="name"/>.</summary>
    /// <param name="name">The evaluator's name: the prefix of its columns (<c>name.column</c>); letters, digits, <c>_</c> and <c>-</c>.</param>
    /// <param name="inner">The evaluator from Microsoft.Extensions.AI.Evaluation. The caller owns it.</param>
    /// <param name="metrics">The metrics to record and their types; each must be one of the evaluator's metric names.</param>
    /// <exception cref="ArgumentException">No metric, a metric the evaluator does not report, a type other than float, bool or string, or two metrics with one column name.</exception>
    public ExtensionsAIEvaluator(string name, MeaiEvaluator inner, params IReadOnlyList<ExtensionsAIMetric> metrics)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Count == 0)
        {
            throw new ArgumentException("declare at least one metric, e.g. ExtensionsAIMetric.Numeric(\"Coherence\")", nameof(metrics));
        }

        var known = inner.EvaluationMetricNames;
        var columns = new List<Column>();
        foreach (var metric in metrics)
        {
            if (!known.Contains(metric.Name))
            {
                throw new ArgumentException($"'{metric.Name}' is not a metric of evaluator '{name}'; it reports {string.Join(", ", known.Select(k => $"'{k}'"))}", nameof(metrics));
            }

            if (metric.Type is not (ColumnType.Float or ColumnType.Bool or ColumnType.String))
            {
                throw new ArgumentException($"metric '{metric.Name}' must be numeric (float), boolean (bool) or string", nameof(metrics));
            }

            var column = metric.ColumnName;
            columns.Add(new Column { Name = column, Type = metric.Type, Description = $"The metric '{metric.Name}'" });
            columns.Add(Column.String(column + "_rating", $"How '{metric.Name}' was rated: unknown, inconclusive, unacceptable, poor, average, good or exceptional") with { WhenMissing = MissingValue.Skip });
            columns.Add(Column.Bool(column + "_failed", $"Whether '{metric.Name}' failed by its interpretation") with { WhenMissing = MissingValue.Skip });
            columns.Add(Column.String(column + "_reason", $"Why '{metric.Name}' has its value or rating") with { WhenMissing = MissingValue.Skip });
        }

        columns.Add(Column.String("diagnostics", "The metrics' warning and error diagnostics, one per line"));
        columns.Add(Column.Integer("input_tokens", "The judge's prompt tokens"));
        columns.Add(Column.Integer("output_tokens", "The judge's completion tokens"));
        columns.Add(Column.Float("cost_usd", "What the judge's calls cost by the price table (0 without a price, a judge or when the answers came from the cache)"));
        if (columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"two metrics make the column '{twice.Key}'; declare one of them", nameof(metrics));
        }

        Name = name;
        _inner = inner;
        _metrics = [.. metrics];
        Columns = columns;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<Column> Columns { get; }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Per evaluation, so that its tokens are this evaluation's; not disposed, because that would dispose the run's client.
        var judge = new UsageChatClient(context.JudgeClient ?? MissingJudgeChatClient.Instance);
        // An agent's tool calls are function call and result contents of the response, as FunctionInvokingChatClient makes them.
        var response = new ChatResponse(TrajectoryMessages.ToMessages(context.Log));
        var result = await _inner.EvaluateAsync(context.Datapoint.Messages, response, new ChatConfiguration(judge), [new ToolDefinitionsContext(context.Tools)], cancellationToken).ConfigureAwait(false);

        var diagnostics = result.Metrics.Values
            .SelectMany(m => (m.Diagnostics ?? []).Select(d => (Metric: m.Name, Diagnostic: d)))
            .ToList();
        var errors = diagnostics.Where(d => d.Diagnostic.Severity == EvaluationDiagnosticSeverity.Error).Select(d => $"{d.Metric}: {d.Diagnostic.Message}").ToList();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", errors));
        }

        var values = new Dictionary<string, object?>();
        foreach (var metric in _metrics)
        {
            var column = metric.ColumnName;
            result.Metrics.TryGetValue(metric.Name, out var reported);
            values[column] = (metric.Type, reported) switch
            {
                (_, null) => null,
                (ColumnType.Float, NumericMetric numeric) => numeric.Value,
                (ColumnType.Bool, BooleanMetric boolean) => boolean.Value,
                (ColumnType.String, StringMetric text) => text.Value,
                _ => throw new InvalidOperationException($"metric '{metric.Name}' was declared {Kind(metric.Type)} but the evaluator reported a {Kind(reported)} metric"),
            };
            values[column + "_rating"] = reported?.Interpretation is { } interpretation ? Rating(interpretation.Rating) : null;
            values[column + "_failed"] = reported?.Interpretation?.Failed;
            values[column + "_reason"] = reported?.Interpretation?.Reason ?? reported?.Reason;
        }

        values["diagnostics"] = string.Join("\n", diagnostics
            .Where(d => d.Diagnostic.Severity == EvaluationDiagnosticSeverity.Warning)
            .Select(d => $"{d.Metric}: warning: {d.Diagnostic.Message}"));
        values["input_tokens"] = judge.InputTokens;
        values["output_tokens"] = judge.OutputTokens;
        values["cost_usd"] = judge.CostUsd(context.Prices, context.Judge?.Model);
        return values;
    }

    private static string Kind(ColumnType type) => type switch
    {
        ColumnType.Float => "numeric",
        ColumnType.Bool => "boolean",
        _ => "string",
    };

    private static string Kind(EvaluationMetric metric) => metric switch
    {
        NumericMetric => "numeric",
        BooleanMetric => "boolean",
        StringMetric => "string",
        _ => "custom",
    };

    private static string Rating(EvaluationRating rating) => rating switch
    {
        EvaluationRating.Inconclusive => "inconclusive",
        EvaluationRating.Unacceptable => "unacceptable",
        EvaluationRating.Poor => "poor",
        EvaluationRating.Average => "average",
        EvaluationRating.Good => "good",
        EvaluationRating.Exceptional => "exceptional",
        _ => "unknown",
    };
}
