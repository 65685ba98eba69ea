using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using Microsoft.Extensions.AI;

namespace EvalRunner.Runs;

public sealed partial class RunSession
{
    /// <summary>The generators and evaluators this run uses, built from the suite's specs for this run alone.</summary>
    private (List<Generator> Generators, List<IEvaluator> Evaluators, IChatClient? Judge) BuildParts(ClientSetup setup)
    {
        var services = new RunServices { Settings = _engine.Settings, Time = _engine.Time, Http = _http, Setup = setup, Prices = Suite.Prices, MaxOutputBytes = Suite.Options.MaxOutputBytes };
        var generators = new List<Generator>(Suite.Models.Count);
        var evaluators = new List<IEvaluator>(Suite.Evaluators.Count);
        try
        {
            foreach (var config in Suite.Models)
            {
                generators.Add(Start($"model config '{config.Name}'", null, () => services.CreateGenerator(config)));
            }

            foreach (var spec in Suite.Evaluators)
            {
                evaluators.Add(Start($"evaluator '{spec.Name}'", spec.Location, () => spec.Build(services)));
            }

            // One judge client per run, shared by every evaluation that asks for a chat configuration.
            return (generators, evaluators, Suite.Judge is { } judge ? Start("the judge", null, () => services.CreateChatClient(judge)) : null);
        }
        catch
        {
            // What was built before the failure is stopped again; nothing is left running.
            generators.ForEach(g => g.Dispose());
            DisposeBuiltAsync(evaluators).AsTask().GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>
    /// Builds one part; a part that fails to start (a client library refusing its options, a worker that cannot be
    /// started) is a suite error naming the part, before any row runs, never an unexplained fault.
    /// </summary>
    private T Start<T>(string part, SourceLocation? location, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception ex) when (ex is not (EvalRunnerException or OperationCanceledException))
        {
            throw new SuiteException(location ?? new SourceLocation(Suite.Path, 0), _engine.Settings.Redact($"{part} could not be started: {ex.Message}"), ex);
        }
    }

    /// <summary>Stops what <see cref="BuildParts"/> started (Python workers, clients); never an evaluator given in code, which its caller owns.</summary>
    private ValueTask DisposePartsAsync()
    {
        _judge?.Dispose();
        return DisposeBuiltAsync(_evaluators);
    }

    private async ValueTask DisposeBuiltAsync(List<IEvaluator> evaluators)
    {
        for (var i = 0; i < evaluators.Count; i++)
        {
            if (Suite.Evaluators[i] is CodeEvaluatorSpec)
            {
                continue;
            }

            try
            {
                switch (evaluators[i])
                {
                    case IAsyncDisposable asyncDisposable:
                        await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                        break;
                    case IDisposable disposable:
                        disposable.Dispose();
                        break;
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
                // A worker that already died has nothing left to stop; its rows are recorded.
            }
        }
    }

    private async Task<Row> RunRowAsync(Datapoint datapoint, Generator generator, CancellationToken cancellationToken)
    {
        var log = await generator.GenerateAsync(datapoint, Suite.Options.Timeout, _engine.Time, cancellationToken).ConfigureAwait(false);

        // An answer from the cache cost nothing this time.
        log = log with { CostUsd = log.CacheHit ? 0 : Suite.Prices.Cost(generator.Config.Model, log.InputTokens, log.OutputTokens) };
        return await RowForAsync(datapoint, log, watched: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The row of a log: an error row when the generation failed, else evaluated and decided.</summary>
    private async Task<Row> RowForAsync(Datapoint datapoint, Log log, bool watched, CancellationToken cancellationToken)
    {
        var row = NewRow(datapoint, log);
        row = log.Error is not null
            ? row with { Error = log.Error }
            : await EvaluateRowAsync(datapoint, row, watched, cancellationToken).ConfigureAwait(false);

        // In replay mode a call not in the cache leaves the datapoint unmeasured; run.replay_missing: fail makes it a failing row.
        return row.NeedsLiveRun && Suite.Options.ReplayMissing == Suites.ReplayMissing.Fail
            ? row with { Outcome = Outcome.Fail, FailedRules = ["not in the cache: needs a live run (run.replay_missing: fail)"] }
            : row;
    }

    private Row NewRow(Datapoint datapoint, Log log) => new()
    {
        DatapointId = datapoint.Id,
        ModelConfig = log.ModelConfig,
        Outcome = Outcome.Error,
        Input = datapoint.Input,
        Expected = datapoint.ExpectedText,
        Tags = datapoint.Tags,
        Location = datapoint.Location is { } location ? (location with { File = _repository.PathOf(location.File) }).ToString() : null,
        Log = log,
    };

    /// <summary>Runs every evaluator on a row's log and decides the row by the per-datapoint thresholds.</summary>
    private async Task<Row> EvaluateRowAsync(Datapoint datapoint, Row row, bool watched, CancellationToken cancellationToken)
    {
        var context = new EvaluationContext { Datapoint = datapoint, Log = row.Log, Tools = row.Log.OfferedTools ?? ToolsOf(row.Log.ModelConfig), JudgeClient = _judge, Judge = Suite.Judge, Prices = Suite.Prices };
        var evaluations = new List<Evaluation>(_evaluators.Count);
        for (var i = 0; i < _evaluators.Count; i++)
        {
            // A watched log outside an evaluator's sample: the evaluator is not called and the row has no value for it.
            if (watched && !Suite.Evaluators[i].Samples(datapoint.Id))
            {
                continue;
            }

            evaluations.Add(await EvaluateOneAsync(_evaluators[i], context, cancellationToken).ConfigureAwait(false));
        }

        row = row with { Evaluations = evaluations };
        var errors = evaluations.Where(e => e.Error is not null).Select(e => e.Error!).ToList();
        if (errors.Count > 0)
        {
            var error = new RunError
            {
                Kind = errors.Select(e => e.Kind).Distinct().Count() == 1 ? errors[0].Kind : ErrorKind.Evaluator,
                Source = string.Join(", ", errors.Select(e => e.Source)),
                Message = string.Join("; ", errors.Select(e => $"{e.Source}: {e.Message}")),
            };
            return row with { Outcome = Outcome.Error, Error = error };
        }

        var failed = new List<string>();
        var columns = Suite.Columns;
        foreach (var threshold in Suite.Thresholds)
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
                    failed.Add($"{threshold.Text} (was {ValueText.Format(value, quoteStrings: true)})");
                }
            }
        }

        // An agent stopped by max_steps has no final answer: it fails its datapoint, unless a per-datapoint rule on
        // log.max_steps decides that itself.
        if (row.Log.Status == LogStatus.MaxSteps && !Suite.Thresholds.Any(t => !t.IsAggregate && t.ColumnName == MaxStepsColumn))
        {
            failed.Add($"{MaxStepsColumn}: the model was still calling tools when its max_steps model calls were spent (no final answer)");
        }

        return row with { Outcome = failed.Count == 0 ? Outcome.Pass : Outcome.Fail, FailedRules = failed };
    }

    /// <summary>The tools a model config of the suite offers, as declarations; none for a log from elsewhere.</summary>
    private IReadOnlyList<AITool> ToolsOf(string modelConfig) =>
        Suite.Models.FirstOrDefault(m => m.Name == modelConfig) is { Tools.Count: > 0 } config
            ? [.. config.Tools.Select(t => AIFunctionFactory.CreateDeclaration(t.Name, t.Description, t.Parameters))]
            : [];

    private const string MaxStepsColumn = LogColumns.Evaluator + ".max_steps";

    private async Task<Evaluation> EvaluateOneAsync(IEvaluator evaluator, EvaluationContext context, CancellationToken cancellationToken)
    {
        try
        {
            var values = await evaluator.EvaluateAsync(context, cancellationToken).ConfigureAwait(false);
            var mismatch = ColumnCheck.Mismatch(evaluator, values);
            return mismatch is null
                ? new Evaluation { Evaluator = evaluator.Name, Values = values }
                : Failed(ErrorKind.Evaluator, mismatch);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The kind says what failed; the message says how, without the exception's type name.
            return Failed(RunError.KindOf(ex, ErrorKind.Evaluator), ex.Message);
        }

        Evaluation Failed(ErrorKind kind, string message) =>
            new() { Evaluator = evaluator.Name, Error = new RunError { Kind = kind, Source = evaluator.Name, Message = _engine.Settings.Redact(message) } };
    }
}
