using System.Text.RegularExpressions;
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class RegexKind : EvaluatorKind
{
    public override string Type => "regex";

    public override string[] Options => ["pattern", "ignore_case", "multiline"];

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => RegexEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new RegexSpec { Name = name, Columns = RegexEvaluator.Returned, Pattern = ReadRegex(spec) };

    private static Regex ReadRegex(YamlMap spec)
    {
        var pattern = spec.RequireString("pattern", "a .NET regular expression");
        var options = RegexOptions.CultureInvariant
            | (spec.Bool("ignore_case") == true ? RegexOptions.IgnoreCase : RegexOptions.None)
            | (spec.Bool("multiline") == true ? RegexOptions.Multiline : RegexOptions.None);
        try
        {
            return new Regex(pattern, options, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw spec.Error("pattern", $"not a valid regular expression: {ex.Message}");
        }
    }
}

/// <summary>What a suite says about a <c>regex</c> evaluator.</summary>
internal sealed record RegexSpec : EvaluatorSpec
{
    public required Regex Pattern { get; init; }

    internal override IEvaluator Build(RunServices services) => new RegexEvaluator(Name, Pattern);
}

/// <summary><c>type: regex</c> — the response matches <c>pattern</c> (.NET syntax).</summary>
internal sealed class RegexEvaluator(string name, Regex pattern) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Bool("passed", "The response matches the pattern"),
        Column.String("match", "The first match, or empty"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var match = pattern.Match(context.GeneratedResponse);
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["passed"] = match.Success,
            ["match"] = match.Success ? match.Value : string.Empty,
        });
    }
}
