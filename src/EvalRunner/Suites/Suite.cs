using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Generation;
using EvalRunner.Thresholds;
using EvalRunner.Yaml;

namespace EvalRunner.Suites;

/// <summary>One suite file: a dataset, the model configs that generate, the evaluators that score and the thresholds that decide.</summary>
public sealed record Suite
{
    /// <summary>The suite's name (its <c>name:</c>, else the file name without <c>.eval.yaml</c>/<c>.yaml</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The suite file, or a description of where the suite came from.</summary>
    public required string Path { get; init; }

    /// <summary>The dataset file; null when the datapoints are inline (<see cref="InlineDatapoints"/>).</summary>
    public string? DatasetPath { get; init; }

    /// <summary>Datapoints written in the suite itself (or given in code).</summary>
    public IReadOnlyList<Datapoint> InlineDatapoints { get; init; } = [];

    /// <summary>
    /// The entries of <c>dataset:</c>, in order: files (with their format and field mapping) and inline datapoints.
    /// Empty for a suite made in code, whose <see cref="DatasetPath"/> or <see cref="InlineDatapoints"/> say it.
    /// </summary>
    internal IReadOnlyList<DatasetSource> Sources { get; init; } = [];

    /// <summary>Where the suite names itself (its <c>name:</c>, else the file), for a problem with the name.</summary>
    internal SourceLocation NameLocation { get; init; }

    /// <summary>
    /// The model configs; each datapoint without a supplied response is generated once per model config. Empty when
    /// every datapoint brings its response (logs generated elsewhere).
    /// </summary>
    internal IReadOnlyList<ModelConfig> Models { get; init; } = [];

    /// <summary>The model configs changed or added for this run on the command line (<c>--model NAME=MODEL</c>), in order.</summary>
    internal IReadOnlyList<ModelOverride> ModelOverrides { get; init; } = [];

    /// <summary>
    /// The top-level <c>judge:</c>: the default model of <c>llm</c> evaluators, and the chat configuration of evaluators
    /// from Microsoft.Extensions.AI.Evaluation (<see cref="ExtensionsAIEvaluator"/>); null when the suite has none.
    /// </summary>
    internal ModelConfig? Judge { get; init; }

    /// <summary>The evaluators' specs, in order; each run builds its own live evaluators from them.</summary>
    internal IReadOnlyList<EvaluatorSpec> Evaluators { get; init; } = [];

    /// <summary>The threshold rules, per-datapoint and aggregate.</summary>
    internal IReadOnlyList<Threshold> Thresholds { get; init; } = [];

    /// <summary>Prices per million tokens for cost tracking (built-in list prices, overridden by <c>prices:</c>).</summary>
    internal PriceTable Prices { get; init; } = new();

    /// <summary>The <c>online:</c> section for <c>evalrunner watch</c>; null when the suite has none.</summary>
    internal OnlineOptions? Online { get; init; }

    /// <summary>The <c>export:</c> section: where evaluation results go as OpenTelemetry; null when the suite has none.</summary>
    internal ExportOptions? Export { get; init; }

    /// <summary>The <c>baseline:</c> section: where the baseline run is and how it is compared.</summary>
    internal Results.BaselineOptions Baseline { get; init; } = new();

    /// <summary>Concurrency, timeout and error handling.</summary>
    internal RunOptions Options { get; init; } = new();

    /// <summary>The files the suite reads besides itself (dataset, Python, scores, schema files), for its fingerprint.</summary>
    internal IReadOnlyList<SuiteFile> Files { get; init; } = [];

    /// <summary>
    /// One warning per <c>external</c> evaluator whose score file has ids that match no datapoint of the suite's
    /// dataset. Empty when the suite has no external evaluator, or when the dataset no longer reads (the run said so).
    /// </summary>
    internal async Task<IReadOnlyList<string>> UnknownExternalIdWarningsAsync(CancellationToken cancellationToken)
    {
        if (!Evaluators.OfType<ExternalSpec>().Any())
        {
            return [];
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await foreach (var datapoint in ReadDatapointsAsync(new ProblemList(), cancellationToken).ConfigureAwait(false))
            {
                ids.Add(datapoint.Id);
            }
        }
        catch (DatasetException)
        {
            // The dataset changed or broke since the run checked it: no warning is better than a wrong one.
            return [];
        }

        return ExternalEvaluator.UnknownIdWarnings(Evaluators, ids);
    }

    /// <summary>One warning per <c>external</c> evaluator whose reviewers tie on a score (docs/review.md, several reviewers).</summary>
    internal IReadOnlyList<string> ExternalTieWarnings() => ExternalEvaluator.TieWarnings(Evaluators);

    /// <summary>
    /// One warning per evaluator that no threshold reads: its columns are recorded but decide nothing (a rule forgotten,
    /// or an evaluator left over). <c>validate</c> prints them and a run keeps them in its warnings.
    /// </summary>
    internal IReadOnlyList<string> UnusedEvaluatorWarnings() =>
        [.. Evaluators
            .Where(e => !Thresholds.Any(t => t.ColumnName.StartsWith(e.Name + ".", StringComparison.Ordinal)))
            .Select(e => $"evaluator '{e.Name}' is used by no threshold: its columns"
                + (e.Columns.Count == 0 ? string.Empty : $" ({string.Join(", ", e.Columns.Select(c => $"{e.Name}.{c.Name}"))})")
                + " are recorded but decide nothing; add a threshold over one of them, or remove the evaluator")];

    /// <summary>Every column of every evaluator, by <c>evaluator.column</c>.</summary>
    public IReadOnlyDictionary<string, Column> Columns
    {
        get
        {
            // Cached per evaluator list: a `with` copy that changes the evaluators gets its own.
            var cache = _columns;
            if (cache is null || !ReferenceEquals(cache.Value.Evaluators, Evaluators))
            {
                cache = (Evaluators, Evaluators.SelectMany(e => e.Columns.Select(c => KeyValuePair.Create($"{e.Name}.{c.Name}", c)))
                    .Concat(Results.LogColumns.Columns.Select(c => KeyValuePair.Create($"{Results.LogColumns.Evaluator}.{c.Name}", c)))
                    .Concat(Results.OutcomeColumns.Columns.Select(c => KeyValuePair.Create($"{Results.OutcomeColumns.Evaluator}.{c.Name}", c)))
                    .DistinctBy(c => c.Key)
                    .ToDictionary());
                _columns = cache;
            }

            return cache.Value.Columns;
        }
    }

    private (IReadOnlyList<EvaluatorSpec> Evaluators, Dictionary<string, Column> Columns)? _columns;

    /// <summary>Streams the datapoints (from the file, or inline) without reading a file whole.</summary>
    public IAsyncEnumerable<Datapoint> ReadDatapointsAsync(CancellationToken cancellationToken = default) =>
        ReadDatapointsAsync(null, cancellationToken);

    /// <summary>Streams the datapoints; with <paramref name="problems"/>, a malformed datapoint is added there and reading goes on.</summary>
    internal IAsyncEnumerable<Datapoint> ReadDatapointsAsync(ProblemList? problems, CancellationToken cancellationToken) =>
        Sources.Count > 0
            ? Dataset.RejectDuplicateIdsAsync(ReadSourcesAsync(problems, cancellationToken), problems, cancellationToken)
            : DatasetPath is null
                ? Dataset.RejectDuplicateIdsAsync(InlineDatapoints.ToAsyncEnumerable(), problems, cancellationToken)
                : Dataset.ReadAsync(DatasetPath, problems, cancellationToken);

    private async IAsyncEnumerable<Datapoint> ReadSourcesAsync(ProblemList? problems, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var source in Sources)
        {
            await foreach (var datapoint in Dataset.ReadAsync(source, problems, cancellationToken).ConfigureAwait(false))
            {
                yield return datapoint;
            }
        }
    }
}
