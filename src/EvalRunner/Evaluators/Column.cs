namespace EvalRunner.Evaluators;

/// <summary>One typed column that an evaluator returns; in thresholds and results it is named <c>evaluator.column</c>.</summary>
public sealed record Column
{
    /// <summary>The column name, unique within its evaluator.</summary>
    public required string Name { get; init; }

    /// <summary>The value type.</summary>
    public required ColumnType Type { get; init; }

    /// <summary>What the value means, for people and for LLM judges.</summary>
    public string? Description { get; init; }

    /// <summary>The allowed values of a <see cref="ColumnType.Choice"/> column.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>The smallest allowed value of a number column, if any.</summary>
    public double? Minimum { get; init; }

    /// <summary>The largest allowed value of a number column, if any.</summary>
    public double? Maximum { get; init; }

    /// <summary>What it means when an evaluation has no value for this column (external scores may be missing).</summary>
    public MissingValue WhenMissing { get; init; } = MissingValue.Error;

    /// <summary>True for bool, integer and float columns, which aggregate functions accept.</summary>
    public bool IsNumeric => Type is ColumnType.Bool or ColumnType.Integer or ColumnType.Float;

    /// <summary>
    /// A wall-clock measurement (the latency evaluator's <c>ms</c>): it differs on every run, so a comparison with a
    /// baseline does not list it among the datapoints' moved scores (a regression rule compares its aggregate).
    /// </summary>
    internal bool WallTime { get; init; }

    /// <summary>A bool column.</summary>
    public static Column Bool(string name, string description) => new() { Name = name, Type = ColumnType.Bool, Description = description };

    /// <summary>An integer column.</summary>
    public static Column Integer(string name, string description) => new() { Name = name, Type = ColumnType.Integer, Description = description };

    /// <summary>A float column.</summary>
    public static Column Float(string name, string description) => new() { Name = name, Type = ColumnType.Float, Description = description };

    /// <summary>A string column.</summary>
    public static Column String(string name, string description) => new() { Name = name, Type = ColumnType.String, Description = description };

    /// <summary>A choice column.</summary>
    public static Column Choice(string name, string description, params string[] choices) =>
        new() { Name = name, Type = ColumnType.Choice, Description = description, Choices = choices };
}
