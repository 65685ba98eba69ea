namespace EvalRunner.Evaluators;

/// <summary>The type of one evaluator column.</summary>
public enum ColumnType
{
    /// <summary>true or false.</summary>
    Bool,

    /// <summary>A whole number (a count, a rating).</summary>
    Integer,

    /// <summary>A decimal number (a score, a duration).</summary>
    Float,

    /// <summary>Free text.</summary>
    String,

    /// <summary>One of a fixed list of options.</summary>
    Choice,
}
