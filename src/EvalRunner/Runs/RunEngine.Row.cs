using System.Globalization;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Suites;

namespace EvalRunner.Runs;

public sealed partial class RunEngine
{
    private async Task<Row> RunRowAsync(Suite suite, IReadOnlyList<IEvaluator> evaluators, Datapoint datapoint, Generator generator, CancellationToken cancellationToken)
    {
        var log = await generator.GenerateAsync(datapoint, suite.Options.Timeout, cancellationToken).ConfigureAwait(false);

        // An answer from the cache cost nothing this time.
        log = log with { CostUsd = log.CacheHit ? 0 : suite.Prices.Cost(generator.Config.Model, log.InputTokens, log.OutputTokens) };
        var row = NewRow(datapoint, log);
        if (log.Error is not null)
        {
            return row with { Error = log.Error };
        }

        return await EvaluateAsync(suite, evaluators, datapoint, row, cancellationToken).ConfigureAwait(false);
    }

    private static Row NewRow(Datapoint datapoint, Log log) => new()
    {
        DatapointId = datapoint.Id,
        ModelConfig = log.ModelConfig,
        Outcome = Outcome.Error,
        Input = datapoint.Input,
        Expected = datapoint.ExpectedText,
        Tags = datapoint.Tags,
        Location = datapoint.Location?.ToString(),
        Log = log,
    };

    /// <summary>Runs every evaluator on a row's log and decides the row by the per-datapoint thresholds.</summary>
    internal async Task<Row> EvaluateAsync(Suite suite, IReadOnlyList<IEvaluator> evaluators, Datapoint datapoint, Row row, CancellationToken cancellationToken)
    {
        var context = new EvaluationContext { Datapoint = datapoint, Log = row.Log };
        var evaluations = new List<Evaluation>(evaluators.Count);
        foreach (var evaluator in evaluators)
        {
            evaluations.Add(await EvaluateOneAsync(evaluator, context, cancellationToken).ConfigureAwait(false));
        }

        row = row with { Evaluations = evaluations };
        var errors = evaluations.Where(e => e.Error is not null).Select(e => $"{e.Evaluator}: {e.Error}").ToList();
        if (errors.Count > 0)
        {
            return row with { Outcome = Outcome.Error, Error = string.Join("; ", errors) };
        }

        var failed = new List<string>();
        var columns = suite.Columns;
        foreach (var threshold in suite.Thresholds)
        {
            if (!threshold.IsAggregate)
            {
                var value = row.Value(threshold.ColumnName);
                if (value is null && columns[threshold.ColumnName].WhenMissing == MissingValue.Skip)
                {
                    continue;
                }

                if (!threshold.IsSatisfiedBy(value))
                {
                    failed.Add($"{threshold.Text} (was {Format(value)})");
                }
            }
        }

        return row with { Outcome = failed.Count == 0 ? Outcome.Pass : Outcome.Fail, FailedRules = failed };
    }

    private async Task<Evaluation> EvaluateOneAsync(IEvaluator evaluator, EvaluationContext context, CancellationToken cancellationToken)
    {
        try
        {
            var values = await evaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false);
            var mismatch = RowJson.Mismatch(evaluator, values);
            return mismatch is null
                ? new Evaluation { Evaluator = evaluator.Name, Values = values }
                : new Evaluation { Evaluator = evaluator.Name, Error = _settings.Redact(mismatch) };
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new Evaluation { Evaluator = evaluator.Name, Error = _settings.Redact($"{ex.GetType().Name}: {ex.Message}") };
        }
    }

    internal static string Format(object? value) => value switch
    {
        null => "missing",
        bool flag => flag ? "true" : "false",
        double number => number.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => $"'{value}'",
    };
}
