using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Generation;

/// <summary>What a part's YAML reader may use besides its own mapping.</summary>
internal sealed record SuiteReadContext
{
    /// <summary>The suite file's directory; relative paths resolve against it.</summary>
    public required string Directory { get; init; }

    /// <summary>Resolves the files the suite names, inside its repository unless outside paths are allowed.</summary>
    public required SuitePaths Paths { get; init; }

    /// <summary>The whole suite, for top-level keys such as <c>judge:</c>.</summary>
    public required YamlMap Suite { get; init; }

    /// <summary>The suite's price table.</summary>
    public required PriceTable Prices { get; init; }

    /// <summary>Where <c>${VAR}</c> values and API keys come from.</summary>
    public required Settings Settings { get; init; }

    /// <summary>
    /// Where a reader adds a problem that leaves the rest of the suite readable, so that one pass reports them all.
    /// </summary>
    public ProblemList Problems { get; init; } = new();
}
