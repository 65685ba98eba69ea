using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Results;
using EvalRunner.Suites;

namespace EvalRunner.Runs;

/// <summary>
/// Runs a suite: every datapoint × model config, with bounded concurrency; each row is written to
/// <c>results.jsonl</c> as it finishes, and <c>run.json</c> holds the aggregates and the verdict at the end.
/// A cancelled or crashed run keeps every finished row.
/// </summary>
public sealed class RunEngine
{
    /// <summary>An engine that reads secrets through <paramref name="settings"/> and the clock through <paramref name="timeProvider"/>.</summary>
    public RunEngine(Settings settings, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Time = timeProvider ?? TimeProvider.System;
    }

    internal Settings Settings { get; }

    internal TimeProvider Time { get; }

    /// <summary>
    /// Counts the datapoints, checking every one (format, fields, duplicate ids) without generating anything. Every
    /// problem of the dataset is found in this one pass and reported together.
    /// </summary>
    /// <exception cref="DatasetException">Datapoints are malformed or ids repeat; the message lists each problem.</exception>
    internal static async Task<int> CountDatapointsAsync(Suite suite, DatapointFilter? filter, CancellationToken cancellationToken) =>
        (await CountAsync(suite, filter, cancellationToken).ConfigureAwait(false)).Datapoints;

    /// <summary>
    /// Counts the datapoints and the supplied responses among them, checking every datapoint as
    /// <see cref="CountDatapointsAsync"/> does; in a suite without model configs, a datapoint without a response is
    /// a problem too (nothing could generate it).
    /// </summary>
    /// <exception cref="DatasetException">Datapoints are malformed, ids repeat, or a response is missing; the message lists each problem.</exception>
    internal static Task<DatasetCount> CountAsync(Suite suite, DatapointFilter? filter, CancellationToken cancellationToken) =>
        SuiteLoader.ReadDatasetAsync(suite, filter, check: false, requireResponses: true, cancellationToken);

    /// <summary>Counts the calls a run would make and estimates tokens and cost, calling nothing.</summary>
    internal static async Task<Estimate> EstimateAsync(Suite suite, DatapointFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var judges = suite.Evaluators.OfType<Evaluators.Llm.LlmJudgeSpec>().ToList();
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
            if (datapoint.SuppliedLog is { } log)
            {
                // A response generated elsewhere costs nothing here; only its judges are called.
                var supplied = (int)(log.OutputTokens ?? ((log.Response?.Length ?? 0) / 4) + 1);
                foreach (var judge in judges)
                {
                    judgeCalls++;
                    var judgeInput = judge.PromptLength / 4 + (conversation / 4) + supplied + 200;
                    var judgeOutput = judge.Output.Count * 20;
                    input += judgeInput;
                    output += judgeOutput;
                    Price(judge.Judge.Model, judgeInput, judgeOutput);
                }

                continue;
            }

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

        // Each trial of a repeated run makes every call again.
        var repeat = suite.Options.Repeat;
        return new Estimate
        {
            GenerationCalls = generations * repeat,
            JudgeCalls = judgeCalls * repeat,
            InputTokens = input * repeat,
            OutputTokens = output * repeat,
            CostUsd = Math.Round(cost * repeat, 6),
            UnpricedCalls = unpriced * repeat,
        };

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

    /// <summary>
    /// Starts a run of the suite: builds what the run uses (clients, evaluators, cache, limiter) and opens its
    /// results in <see cref="RunRequest.OutputDirectory"/>. Run every datapoint with
    /// <see cref="RunSession.RunAllAsync"/>, or hand it logs with <see cref="RunSession.EvaluateAsync"/>; then
    /// <see cref="RunSession.CompleteAsync(CancellationToken)"/> decides the run.
    /// </summary>
    /// <exception cref="SuiteException">The check phase failed (<see cref="SuiteLoader.CheckAsync(Suite, Settings, CancellationToken)"/>): nothing was started.</exception>
    public async Task<RunSession> StartAsync(Suite suite, RunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(request);
        suite = request.Apply(suite);
        await SuiteLoader.CheckAsync(suite, Settings, cancellationToken).ConfigureAwait(false);
        return await RunSession.StartAsync(this, suite, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs every datapoint of the suite and decides the run: <see cref="StartAsync"/>, then run all, then complete.</summary>
    /// <exception cref="DatasetException">The dataset is malformed; found before any generation starts.</exception>
    public async Task<RunResult> RunAsync(Suite suite, RunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(request);
        suite = request.Apply(suite);

        // The whole dataset is checked before anything is built or any file is replaced: in the check phase's one pass
        // over it, which counts the datapoints too.
        var count = await SuiteLoader.CheckAsync(suite, Settings, request.Selection, cancellationToken).ConfigureAwait(false);
        var session = await StartAsync(suite, request, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            await session.RunCheckedAsync(count.Rows(suite.Models.Count) * suite.Options.Repeat, cancellationToken).ConfigureAwait(false);
            return await session.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
