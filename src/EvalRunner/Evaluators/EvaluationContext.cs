using EvalRunner.Datasets;
using EvalRunner.Generation;

namespace EvalRunner.Evaluators;

/// <summary>What an evaluator sees: the datapoint and the log of its generation.</summary>
public sealed record EvaluationContext
{
    /// <summary>The datapoint that was generated for.</summary>
    public required Datapoint Datapoint { get; init; }

    /// <summary>The generation: response, model, latency, tokens.</summary>
    public required Log Log { get; init; }

    /// <summary>The generated response, or empty when the generation produced none.</summary>
    public string GeneratedResponse => Log.Response ?? string.Empty;
}
