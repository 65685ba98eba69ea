namespace EvalRunner.Logs;

/// <summary>
/// What the run's agents did, over every row with a trajectory: steps, model calls, tool calls, failed tool calls,
/// and rows that ended on <c>max_steps</c>. Written in <c>run.json</c> as <c>trajectories</c> when a row had steps.
/// </summary>
public sealed record TrajectoryCounts
{
    /// <summary>Rows with a trajectory.</summary>
    public int Rows { get; init; }

    /// <summary>Model calls and tool calls.</summary>
    public long Steps { get; init; }

    /// <summary>Model calls.</summary>
    public long ModelCalls { get; init; }

    /// <summary>Tool calls.</summary>
    public long ToolCalls { get; init; }

    /// <summary>Tool calls that failed (an unknown tool, no result, a command that failed, not run).</summary>
    public long ToolErrors { get; init; }

    /// <summary>Rows whose model was still calling tools when its <c>max_steps</c> model calls were spent.</summary>
    public int MaxSteps { get; init; }

    /// <summary>These counts with one more log's.</summary>
    internal TrajectoryCounts With(Log log)
    {
        if (log.Steps is not { } steps)
        {
            return this;
        }

        var tools = steps.Count(s => s.Kind == StepKind.Tool);
        return this with
        {
            Rows = Rows + 1,
            Steps = Steps + steps.Count,
            ModelCalls = ModelCalls + (steps.Count - tools),
            ToolCalls = ToolCalls + tools,
            ToolErrors = ToolErrors + steps.Count(s => s.IsFailed),
            MaxSteps = MaxSteps + (log.Status == LogStatus.MaxSteps ? 1 : 0),
        };
    }
}
