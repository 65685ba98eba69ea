namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>How a <c>tool-calls</c> evaluator compares a call's arguments with the expected ones (<c>arguments:</c>).</summary>
internal enum ArgumentMatch
{
    /// <summary><c>subset</c>: the expected keys only; objects are compared recursively, arrays and other values exactly.</summary>
    Subset,

    /// <summary><c>exact</c>: equal as JSON (key order aside).</summary>
    Exact,

    /// <summary><c>schema</c>: the expected arguments are a JSON Schema that the call's arguments must satisfy.</summary>
    Schema,

    /// <summary><c>ignore</c>: names only.</summary>
    Ignore,
}
