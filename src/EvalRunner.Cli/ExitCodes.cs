using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Cli;

/// <summary>The documented exit codes.</summary>
internal static class ExitCodes
{
    public const int Passed = 0;
    public const int Failed = 1;
    public const int Invalid = 2;
    public const int Cancelled = 130;

    /// <summary>The exit code for several runs: the worst of their verdicts.</summary>
    public static int For(IEnumerable<RunResult> results) => RunResult.ExitCodeOf(results);
}
