using EvalRunner.Runs;

namespace EvalRunner.Cli;

/// <summary>The documented exit codes.</summary>
internal static class ExitCodes
{
    public const int Passed = 0;
    public const int Failed = 1;
    public const int Invalid = 2;
    public const int Cancelled = 130;

    /// <summary>The exit code for several runs: the worst of them.</summary>
    public static int For(IEnumerable<RunResult> results) => results.Select(r => r.Verdict switch
    {
        Verdict.Pass => Passed,
        Verdict.Fail => Failed,
        Verdict.Cancelled => Cancelled,
        _ => Invalid,
    }).DefaultIfEmpty(Invalid).Max();
}
