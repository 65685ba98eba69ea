using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.Llm;
using EvalRunner.Generation;
using EvalRunner.Suites;

namespace EvalRunner.Runs;

/// <summary>
/// Runs a suite: every datapoint × model config, with bounded concurrency; each row is written to
/// <c>results.jsonl</c> as it finishes, and <c>run.json</c> holds the aggregates and the verdict at the end.
/// A cancelled or crashed run keeps every finished row.
/// </summary>
public sealed partial class RunEngine
{
    private static readonly JsonSerializerOptions RunJsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Settings _settings;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Suite, Lazy<(RunServices Services, List<IEvaluator> Evaluators)>> _supplied = new(ReferenceEqualityComparer.Instance);

    /// <summary>An engine that reads secrets through <paramref name="settings"/> and the clock through <paramref name="timeProvider"/>.</summary>
    public RunEngine(Settings settings, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Counts the datapoints, checking every one (format, fields, duplicate ids) without generating anything.</summary>
    /// <exception cref="DatasetException">A datapoint is malformed or an id repeats.</exception>
    public static async Task<int> CountDatapointsAsync(Suite suite, DatapointFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var count = 0;
        await foreach (var datapoint in suite.ReadDatapointsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (filter?.Matches(datapoint) != false)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Counts the calls a run would make and estimates tokens and cost, calling nothing.</summary>
    public static async Task<Estimate> EstimateAsync(Suite suite, DatapointFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var judges = suite.Evaluators.OfType<LlmJudgeSpec>().ToList();
        int generations = 0, judgeCalls = 0, unpriced = 0;
        long input = 0, output = 0;
        double cost = 0;
        await foreach (var datapoint in suite.ReadDatapointsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (filter?.Matches(datapoint) == false)
            {
                continue;
            }

            var conversation = datapoint.Messages.Sum(m => m.Text.Length);
            foreach (var model in suite.Models)
            {
                generations++;
                var promptTokens = (conversation + (model.SystemPrompt?.Length ?? 0) + (model.Template?.Text.Length ?? 0)) / 4 + 1;
                var answerTokens = model.MaxTokens ?? 200;
                input += promptTokens;
                output += answerTokens;
                Price(ProviderKind.For(model).IsLlm ? model.Model : null, promptTokens, answerTokens);
                foreach (var judge in judges)
                {
                    judgeCalls++;
                    var judgeInput = judge.PromptLength / 4 + (conversation / 4) + answerTokens + 200;
                    var judgeOutput = judge.Output.Count * 20;
                    input += judgeInput;
                    output += judgeOutput;
                    Price(judge.Judge.Model, judgeInput, judgeOutput);
                }
            }
        }

        return new Estimate { GenerationCalls = generations, JudgeCalls = judgeCalls, InputTokens = input, OutputTokens = output, CostUsd = Math.Round(cost, 6), UnpricedCalls = unpriced };

        void Price(string? model, long inputTokens, long outputTokens)
        {
            if (model is null)
            {
                return;
            }

            if (suite.Prices.Cost(model, inputTokens, outputTokens) is { } value)
            {
                cost += value;
            }
            else
            {
                unpriced++;
            }
        }
    }

    /// <summary>Runs the suite and decides it.</summary>
    /// <exception cref="DatasetException">The dataset is malformed; found before any generation starts.</exception>
    /// <exception cref="SuiteException">The check phase failed (<see cref="SuiteLoader.CheckAsync"/>).</exception>
    public async Task<RunResult> RunAsync(Suite suite, RunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(request);

        // The suite and the whole dataset are checked before the first paid generation.
        await SuiteLoader.CheckAsync(suite, _settings, cancellationToken).ConfigureAwait(false);
        var datapoints = await CountDatapointsAsync(suite, request.Filter, cancellationToken).ConfigureAwait(false);
        var resultsPath = Path.Combine(request.OutputDirectory, "results.jsonl");
        var kept = request.Resume && File.Exists(resultsPath)
            ? File.ReadLines(resultsPath).Select(RowJson.Read).OfType<Row>().Where(r => r.Outcome != Outcome.Error).ToList()
            : [];
        var done = kept.Select(r => (r.DatapointId, r.ModelConfig)).ToHashSet();
        request.Observer?.Started((datapoints * suite.Models.Count) - done.Count);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var concurrency = request.Concurrency ?? suite.Options.Concurrency;
        var limiter = new AdaptiveLimiter(concurrency, _time);
        var setup = new ClientSetup
        {
            Retries = suite.Options.Retries,
            RequestTimeout = suite.Options.RequestTimeout ?? suite.Options.Timeout,
            OnRateLimited = limiter.RateLimited,
            Cache = request.Cache,
        };
        var services = new RunServices { Settings = _settings, Time = _time, Http = http, Setup = setup, Prices = suite.Prices };
        var evaluators = Build(suite, services);
        var generators = suite.Models.Select(services.CreateGenerator).ToList();
        var recorder = RunRecorder.Start(suite, request.OutputDirectory, _time, request.Observer);
        foreach (var row in kept)
        {
            // Resumed rows are written again first: the run's files hold every row, old and new.
            await recorder.AddAsync(row, cancellationToken).ConfigureAwait(false);
        }

        string? stopped = null;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(
                    WorkAsync(suite, request.Filter, generators, done, cancellationToken),
                    new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = budget.Token },
                    async (work, token) =>
                    {
                        if (recorder.OverBudget(suite.Options) is { } reason)
                        {
                            stopped ??= reason;
                            await budget.CancelAsync().ConfigureAwait(false);
                            return;
                        }

                        await limiter.WaitAsync(token).ConfigureAwait(false);
                        Row? row = null;
                        try
                        {
                            row = await RunRowAsync(suite, evaluators, work.Datapoint, work.Generator, token).ConfigureAwait(false);
                        }
                        finally
                        {
                            limiter.Release(succeeded: row is { Log.Error: null });
                        }

                        await recorder.AddAsync(row, CancellationToken.None).ConfigureAwait(false);
                    })
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The budget stopped new calls; the calls in flight finished and were kept.
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopped = "cancelled";
        }
        catch (DatasetException ex)
        {
            // The file changed between the check and the run: keep what finished and say why it stopped.
            stopped = ex.Message;
        }
        finally
        {
            foreach (var generator in generators)
            {
                generator.Dispose();
            }

            await DisposeBuiltAsync(suite, evaluators).ConfigureAwait(false);
        }

        return await recorder.CompleteAsync(stopped, cancellationToken.IsCancellationRequested).ConfigureAwait(false);
    }

    /// <summary>
    /// Evaluates a log produced elsewhere (the team's own application, or logs from production) with the suite's
    /// evaluators and per-datapoint thresholds: the same row a generated log gets.
    /// </summary>
    public async Task<Row> EvaluateLogAsync(Suite suite, Datapoint datapoint, Log log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(datapoint);
        ArgumentNullException.ThrowIfNull(log);
        var row = NewRow(datapoint, log);
        return log.Error is not null
            ? row with { Error = _settings.Redact(log.Error) }
            : await EvaluateAsync(suite, SuppliedEvaluators(suite), datapoint, row, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends what <see cref="EvaluateLogAsync"/> built for the suite (Python workers, clients); a later call builds them again.</summary>
    public async Task StopWorkersAsync(Suite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (_supplied.TryRemove(suite, out var built) && built.IsValueCreated)
        {
            var (services, evaluators) = built.Value;
            await DisposeBuiltAsync(suite, evaluators).ConfigureAwait(false);
            services.Http.Dispose();
        }
    }

    /// <summary>The live evaluators of a run, built from the suite's specs.</summary>
    private static List<IEvaluator> Build(Suite suite, RunServices services)
    {
        var evaluators = new List<IEvaluator>(suite.Evaluators.Count);
        foreach (var spec in suite.Evaluators)
        {
            evaluators.Add(spec.Build(services));
        }

        return evaluators;
    }

    /// <summary>Disposes what a run built; never an evaluator given in code, which its caller owns.</summary>
    private static async Task DisposeBuiltAsync(Suite suite, List<IEvaluator> evaluators)
    {
        for (var i = 0; i < evaluators.Count; i++)
        {
            if (suite.Evaluators[i] is CodeEvaluatorSpec)
            {
                continue;
            }

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
    }

    /// <summary>The evaluators for logs produced elsewhere: built once per suite and engine, ended by <see cref="StopWorkersAsync"/>.</summary>
    private List<IEvaluator> SuppliedEvaluators(Suite suite) =>
        _supplied.GetOrAdd(suite, s => new Lazy<(RunServices, List<IEvaluator>)>(() =>
        {
            var services = new RunServices { Settings = _settings, Time = _time, Http = new HttpClient(), Setup = ClientSetup.Default, Prices = s.Prices };
            return (services, Build(s, services));
        })).Value.Evaluators;

    /// <summary>Writes <c>run.json</c> into the result's output directory.</summary>
    public static async Task WriteRunJsonAsync(RunResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var path = Path.Combine(result.OutputDirectory, "run.json");
        var stream = File.Create(path);
        await using (stream.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(stream, result, RunJsonOptions, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a <c>run.json</c>.</summary>
    public static async Task<RunResult> ReadRunJsonAsync(string directory, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(Path.Combine(directory, "run.json"));
        await using (stream.ConfigureAwait(false))
        {
            var result = await JsonSerializer.DeserializeAsync<RunResult>(stream, RunJsonOptions, cancellationToken).ConfigureAwait(false);
            return result! with { OutputDirectory = directory };
        }
    }

    private static async IAsyncEnumerable<(Datapoint Datapoint, Generator Generator)> WorkAsync(
        Suite suite, DatapointFilter? filter, List<Generator> generators, HashSet<(string, string)> done, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var datapoint in suite.ReadDatapointsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (filter?.Matches(datapoint) == false)
            {
                continue;
            }

            foreach (var generator in generators)
            {
                if (!done.Contains((datapoint.Id, generator.Config.Name)))
                {
                    yield return (datapoint, generator);
                }
            }
        }
    }
}
