namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>How a <c>tool-calls</c> evaluator compares the calls made with the calls expected (<c>match:</c>).</summary>
internal enum ToolCallMatch
{
    /// <summary><c>strict</c>: the same calls in the same order, no other call.</summary>
    Strict,

    /// <summary><c>in_order</c>: the expected calls in their order; other calls may come before, between and after.</summary>
    InOrder,

    /// <summary><c>any_order</c>: the same calls as multisets, in any order.</summary>
    AnyOrder,

    /// <summary><c>superset</c>: every expected call was made (as a multiset); other calls are allowed.</summary>
    Superset,

    /// <summary><c>subset</c>: every call made was expected (as a multiset); expected calls may be left out.</summary>
    Subset,
}
