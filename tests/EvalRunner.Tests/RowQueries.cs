using System.Text.Json;
using EvalRunner.Results;

namespace EvalRunner.Tests;

/// <summary>Reads a <see cref="SuiteRun"/>'s rows by datapoint id and evaluator name.</summary>
internal static class RowQueries
{
    public static JsonElement Row(this IReadOnlyList<JsonElement> rows, string id) => rows.Single(r => r.GetProperty("datapoint_id").GetString() == id);

    public static JsonElement Evaluation(this JsonElement row, string evaluator) => row.GetProperty("evaluations").GetProperty(evaluator);

    /// <summary>The error an evaluator recorded for the row: <c>{kind, source, message}</c>.</summary>
    public static JsonElement EvaluationError(this JsonElement row, string evaluator) => row.GetProperty("evaluation_errors").GetProperty(evaluator);

    /// <summary>The message of an error object (<c>error</c> of a row or its log, or an evaluator's error).</summary>
    public static string Message(this JsonElement error) => error.GetProperty("message").GetString()!;

    /// <summary>The kind of an error object (<c>timeout</c>, <c>cache_miss</c>, ...).</summary>
    public static string Kind(this JsonElement error) => error.GetProperty("kind").GetString()!;
}
