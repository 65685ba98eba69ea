using System.Text.Json;

namespace EvalRunner.Tests;

/// <summary>Reads a <see cref="SuiteRun"/>'s rows by datapoint id and evaluator name.</summary>
internal static class RowQueries
{
    public static JsonElement Row(this IReadOnlyList<JsonElement> rows, string id) => rows.Single(r => r.GetProperty("datapoint_id").GetString() == id);

    public static JsonElement Evaluation(this JsonElement row, string evaluator) => row.GetProperty("evaluations").GetProperty(evaluator);
}
