namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>
/// <c>type: external</c> — scores produced elsewhere (human review, another system), imported by datapoint id from
/// a JSONL or CSV file when the suite loads. A datapoint without a score has no values: its columns are missing.
/// </summary>
internal sealed class ExternalEvaluator(string name, IReadOnlyList<Column> columns, IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> scores) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } = [.. columns, Column.Bool("found", "Whether the file has a score for this datapoint")];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, object?>();
        var found = scores.TryGetValue(context.Datapoint.Id, out var row);
        foreach (var column in columns)
        {
            values[column.Name] = found ? row!.GetValueOrDefault(column.Name) : null;
        }

        values["found"] = found;
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(values);
    }
}
