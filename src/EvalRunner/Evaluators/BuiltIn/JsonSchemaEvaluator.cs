using Json.Schema;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary><c>type: json-schema</c> — the response is JSON that the schema (inline <c>schema</c> or <c>schema_file</c>) accepts.</summary>
internal sealed class JsonSchemaEvaluator(string name, JsonSchema schema) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } =
    [
        Column.Bool("passed", "The response is JSON that matches the schema"),
        Column.Integer("error_count", "How many schema errors were found (1 when the response is not JSON)"),
        Column.String("errors", "The errors, one per line: where, then what"),
    ];

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        if (!JsonText.TryParse(context.GeneratedResponse, out var document, out var error))
        {
            return Result(false, [$"not JSON: {error}"]);
        }

        using (document)
        {
            var results = schema.Evaluate(document!.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            var errors = results.IsValid
                ? []
                : (results.Details ?? [])
                    .Where(detail => detail.Errors is { Count: > 0 })
                    .SelectMany(detail => detail.Errors!.Select(e => $"{(detail.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
                    .Distinct()
                    .ToList();
            if (!results.IsValid && errors.Count == 0)
            {
                errors.Add("/: does not match the schema");
            }

            return Result(results.IsValid, errors);
        }
    }

    private static ValueTask<IReadOnlyDictionary<string, object?>> Result(bool passed, List<string> errors) =>
        ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["passed"] = passed,
            ["error_count"] = (long)errors.Count,
            ["errors"] = string.Join('\n', errors),
        });
}
