namespace EvalRunner.Datasets;

/// <summary>What a <c>fields:</c> mapping does with a column or field it neither maps nor knows (<c>rest:</c>).</summary>
internal enum RestPolicy
{
    /// <summary>An error naming the column (the default): nothing is dropped without saying so.</summary>
    Error,

    /// <summary>Kept in the datapoint's context under its own name (<c>rest: context</c>).</summary>
    Context,

    /// <summary>Left out (<c>rest: ignore</c>).</summary>
    Ignore,
}
