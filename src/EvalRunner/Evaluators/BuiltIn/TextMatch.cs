namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>What equals, contains and not-contains compare the response with: configured values, or the expected answer.</summary>
internal static class TextMatch
{
    public static IReadOnlyList<string> Targets(IReadOnlyList<string> values, EvaluationContext context, string evaluator)
    {
        if (values.Count > 0)
        {
            return values;
        }

        var expected = context.Datapoint.ExpectedText;
        return expected.Length > 0
            ? [expected]
            : throw new InvalidOperationException($"no 'value' configured and datapoint '{context.Datapoint.Id}' has no 'expected'");
    }

    public static StringComparison Comparison(bool ignoreCase) => ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
}
