
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class SimilarityKind : EvaluatorKind
{
    public override string Type => "similarity";

    public override string[] Options => ["value"];

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => SimilarityEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context) =>
        new SimilaritySpec { Name = name, Columns = SimilarityEvaluator.Returned, Value = spec.String("value") };
}

/// <summary>What a suite says about a <c>similarity</c> evaluator.</summary>
internal sealed record SimilaritySpec : EvaluatorSpec
{
    /// <summary>The reference text; null compares with the expected answer.</summary>
    public string? Value { get; init; }

    /// <summary>Without a value, the response is compared with the expected answer.</summary>
    internal override bool NeedsExpected => Value is null;

    internal override IEvaluator Build(RunServices services) => new SimilarityEvaluator(Name, Value);
}

/// <summary>
/// <c>type: similarity</c> — text similarity of the response to <c>value</c> or the expected answer: token F1 (as in
/// SQuAD) and ROUGE-L (longest common subsequence F-measure), over lower-cased words.
/// </summary>
internal sealed class SimilarityEvaluator(string name, string? value) : IEvaluator
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned =
    [
        Column.Float("f1", "Token F1 between the response and the reference, 0 to 1"),
        Column.Float("rouge_l", "ROUGE-L F-measure between the response and the reference, 0 to 1"),
    ];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var reference = value ?? TextMatch.Targets([], context, Name)[0];
        var response = Tokens(context.GeneratedResponse);
        var target = Tokens(reference);
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(new Dictionary<string, object?>
        {
            ["f1"] = Math.Round(F1(response, target), 6),
            ["rouge_l"] = Math.Round(RougeL(response, target), 6),
        });
    }

    internal static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                tokens.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }

        return tokens;
    }

    internal static double F1(List<string> response, List<string> reference)
    {
        if (response.Count == 0 || reference.Count == 0)
        {
            return response.Count == reference.Count ? 1 : 0;
        }

        var counts = reference.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var common = 0;
        foreach (var token in response)
        {
            if (counts.TryGetValue(token, out var left) && left > 0)
            {
                counts[token] = left - 1;
                common++;
            }
        }

        if (common == 0)
        {
            return 0;
        }

        var precision = (double)common / response.Count;
        var recall = (double)common / reference.Count;
        return 2 * precision * recall / (precision + recall);
    }

    internal static double RougeL(List<string> response, List<string> reference)
    {
        if (response.Count == 0 || reference.Count == 0)
        {
            return response.Count == reference.Count ? 1 : 0;
        }

        var previous = new int[reference.Count + 1];
        var current = new int[reference.Count + 1];
        foreach (var token in response)
        {
            for (var j = 1; j <= reference.Count; j++)
            {
                current[j] = token == reference[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }

            (previous, current) = (current, previous);
        }

        var lcs = previous[reference.Count];
        if (lcs == 0)
        {
            return 0;
        }

        var precision = (double)lcs / response.Count;
        var recall = (double)lcs / reference.Count;
        return 2 * precision * recall / (precision + recall);
    }
}
