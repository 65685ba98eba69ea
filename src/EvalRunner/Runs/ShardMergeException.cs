namespace EvalRunner.Runs;

/// <summary>What <c>evalrunner merge</c> was given cannot be merged at all (a folder that does not exist, no run in any folder).</summary>
internal sealed class ShardMergeException(string message) : EvalRunnerException(message);
