using System.Text.Json;

namespace EvalRunner.Evaluators.Python;

/// <summary>
/// <c>type: python</c> — a file or inline code defining
/// <c>main(input, output, context, full_history, generated_response, **kwargs) -> dict</c>; the dict's keys are columns.
/// </summary>
internal sealed class PythonEvaluator(string name, IReadOnlyList<Column> columns, PythonWorker worker) : IEvaluator, IAsyncDisposable
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } = columns;

    public async ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var datapoint = context.Datapoint;
        var args = new Dictionary<string, object?>
        {
            // The argument shapes of the reference documents: input and output are messages with content and role.
            ["input"] = new Dictionary<string, string> { ["content"] = datapoint.Input, ["role"] = "human" },
            ["output"] = new Dictionary<string, string> { ["content"] = datapoint.ExpectedText, ["role"] = "ai" },
            ["context"] = datapoint.Context,
            ["full_history"] = datapoint.FullHistory,
            ["generated_response"] = context.GeneratedResponse,
            ["id"] = datapoint.Id,
            ["messages"] = datapoint.Messages.Select(m => new Dictionary<string, string> { ["role"] = m.Role.Value, ["content"] = m.Text }).ToList(),
            ["expected"] = datapoint.Expected,
            ["tags"] = datapoint.Tags,
            ["model_config"] = context.Log.ModelConfig,
        };
        var result = await worker.CallAsync(args, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, object?>();
        foreach (var property in result.EnumerateObject())
        {
            values[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Number when IsInteger(property.Value) => property.Value.GetInt64(),
                JsonValueKind.Number => property.Value.GetDouble(),
                _ => null,
            };
        }

        return values;
    }

    private static bool IsInteger(JsonElement number) =>
        number.TryGetInt64(out _) && !number.GetRawText().AsSpan().ContainsAny('.', 'e', 'E');

    public ValueTask DisposeAsync() => worker.DisposeAsync();
}
