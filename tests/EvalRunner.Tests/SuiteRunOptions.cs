using EvalRunner.Evaluators;
using EvalRunner.Runs;

namespace EvalRunner.Tests;

/// <summary>What a <see cref="SuiteRun"/> may change beyond the suite and its settings.</summary>
internal sealed record SuiteRunOptions
{
    /// <summary>The run request; its output directory defaults to <c>out/</c> beside the suite.</summary>
    public RunRequest? Request { get; init; }

    /// <summary>The engine's clock; the system clock when null.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>C# evaluators passed to the suite loader.</summary>
    public IReadOnlyList<IEvaluator>? Evaluators { get; init; }
}
