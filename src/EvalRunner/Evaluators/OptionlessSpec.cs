
using EvalRunner.Generation;

namespace EvalRunner.Evaluators;

/// <summary>What a suite says about an evaluator kind that takes no options (<c>length</c>, <c>latency</c>, <c>json-valid</c>): its name alone.</summary>
internal sealed record OptionlessSpec : EvaluatorSpec
{
    /// <summary>Makes the kind's evaluator with the spec's name.</summary>
    public required Func<string, IEvaluator> Create { get; init; }

    internal override IEvaluator Build(RunServices services) => Create(Name);
}
