namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>One line of an <c>external</c> scores file: who scored (null without a <c>reviewer</c> column) and the values.</summary>
internal sealed record ReviewerScore(string? Reviewer, IReadOnlyDictionary<string, object?> Values);
