using EvalRunner.Evaluators;

namespace EvalRunner.Suites;

/// <summary>How <see cref="SuiteLoader.Load(string, SuiteLoadOptions)"/> loads a suite.</summary>
public sealed record SuiteLoadOptions
{
    /// <summary>Where <c>${VAR}</c> values and API keys come from; the process environment when null.</summary>
    public Settings? Settings { get; init; }

    /// <summary>C# evaluators to run after the suite's own, in order; their names must not repeat the suite's.</summary>
    public IReadOnlyList<IEvaluator> Evaluators { get; init; } = [];

    /// <summary>
    /// Allows files (dataset, Python, scores, schema) outside the suite's repository: the git work tree that holds the
    /// suite file, or the suite's folder when it is in none. False by default: a suite from a pull request must not
    /// read files elsewhere on the machine that runs it.
    /// </summary>
    public bool AllowOutsidePaths { get; init; }
}
