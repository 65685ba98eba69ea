using EvalRunner.Logs;
using EvalRunner.Online;

namespace EvalRunner.Cli.Online;

/// <summary>What became of a call: a log to evaluate, nothing yet (its other parts may still come), or not evaluated.</summary>
internal readonly record struct GenAIOutcome(IncomingLog? Log, GenAIMissing Missing)
{
    public bool Waiting => Log is null && Missing == GenAIMissing.None;
}
