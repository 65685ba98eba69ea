namespace EvalRunner.Logs;

/// <summary>What one step of a trajectory was.</summary>
public enum StepKind
{
    /// <summary>A call to the model: it answered, or asked for tools.</summary>
    Model,

    /// <summary>A call of a tool the model asked for, with its arguments and its result or error.</summary>
    Tool,
}
