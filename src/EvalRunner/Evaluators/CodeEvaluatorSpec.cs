
using EvalRunner.Generation;

namespace EvalRunner.Evaluators;

/// <summary>
/// A C# evaluator passed in code. Every run uses the caller's instance as it is; the engine never disposes it,
/// because the caller owns it.
/// </summary>
internal sealed record CodeEvaluatorSpec : EvaluatorSpec
{
    public required IEvaluator Evaluator { get; init; }

    public static CodeEvaluatorSpec For(IEvaluator evaluator) => new() { Name = evaluator.Name, Columns = evaluator.Columns, Evaluator = evaluator };

    internal override IEvaluator Build(RunServices services) => Evaluator;
}
