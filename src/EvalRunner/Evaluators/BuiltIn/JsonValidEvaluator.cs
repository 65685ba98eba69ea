
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class JsonValidKind : EvaluatorKind
{
    public override string Type => "json-valid";

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => JsonValidEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new OptionlessSpec { Name = name, Columns = JsonValidEvaluator.Returned, Create = evaluator => new JsonValidEvaluator(evaluator) };
}

/// <summary><c>type: json-valid</c> — the response is JSON (a surrounding Markdown code fence is allowed).</summary>
internal sealed class JsonValidEvaluator(string name) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Bool("passed", "The response is valid JSON"),
        Column.Choice("kind", "The JSON value's kind", "object", "array", "string", "number", "boolean", "null", "invalid"),
        Column.String("error", "Why the response is not JSON, or empty"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var valid = JsonText.TryParse(context.GeneratedResponse, out var document, out var error);
        using (document)
        {
            return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
            {
                ["passed"] = valid,
                ["kind"] = valid ? JsonText.Kind(document!.RootElement.ValueKind) : "invalid",
                ["error"] = error,
            });
        }
    }
}
