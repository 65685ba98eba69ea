using Xunit.Sdk;
using Xunit.v3;

namespace EvalRunner.Xunit;

/// <summary>
/// Runs each suite's aggregate case after its datapoints, which matters when the test method supplies the responses
/// itself (<see cref="EvalCase.EvaluateAsync(string, TimeSpan?, CancellationToken)"/>). Register it with
/// <c>[assembly: TestCaseOrderer(typeof(EvalCaseOrderer))]</c> or on the test class.
/// </summary>
public sealed class EvalCaseOrderer : ITestCaseOrderer
{
    /// <inheritdoc />
    public IReadOnlyCollection<TTestCase> OrderTestCases<TTestCase>(IReadOnlyCollection<TTestCase> testCases)
        where TTestCase : notnull, ITestCase =>
        [.. testCases
            .OrderBy(testCase => testCase.Traits.TryGetValue("kind", out var kinds) && kinds.Contains("aggregate") ? 1 : 0)
            .ThenBy(testCase => testCase.TestCaseDisplayName, StringComparer.Ordinal)];
}
