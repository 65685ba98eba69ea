using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Logs;
using Microsoft.Extensions.AI;

namespace EvalRunner.Evaluators;

/// <summary>What an evaluator sees: the datapoint and the log of its generation.</summary>
public sealed record EvaluationContext
{
    /// <summary>The datapoint that was generated for.</summary>
    public required Datapoint Datapoint { get; init; }

    /// <summary>The generation: response, model, latency, tokens.</summary>
    public required Log Log { get; init; }

    /// <summary>
    /// The tools the model config offered the model (declarations: name, description and the parameters' JSON
    /// Schema as <see cref="AIFunctionDeclaration"/>); empty when it offered none.
    /// </summary>
    public IReadOnlyList<AITool> Tools { get; init; } = [];

    /// <summary>The generated response, or empty when the generation produced none.</summary>
    public string GeneratedResponse => Log.Response ?? string.Empty;

    /// <summary>
    /// The chat client of the suite's top-level <c>judge:</c>, built once per run with the run's cache, retries and
    /// request timeout; null when the suite has no judge. Internal: evaluators from other libraries reach it through
    /// <see cref="ExtensionsAIEvaluator"/>.
    /// </summary>
    internal IChatClient? JudgeClient { get; init; }

    /// <summary>The suite's top-level <c>judge:</c>, priced with <see cref="Prices"/>; null when the suite has none.</summary>
    internal ModelConfig? Judge { get; init; }

    /// <summary>The suite's price table, for what a judge's calls cost.</summary>
    internal PriceTable? Prices { get; init; }
}
