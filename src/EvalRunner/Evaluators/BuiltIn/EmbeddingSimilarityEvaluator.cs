using System.Numerics.Tensors;
using EvalRunner.Generation;
using EvalRunner.Yaml;
using Microsoft.Extensions.AI;

namespace EvalRunner.Evaluators.BuiltIn;

internal sealed class EmbeddingSimilarityKind : EvaluatorKind
{
    public override string Type => "embedding-similarity";

    public override string[] Options => ["value", "model"];

    public override IReadOnlyList<Column> ColumnsOf(YamlMap spec) => EmbeddingSimilarityEvaluator.Returned;

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context)
    {
        var model = spec.Map("model")
            ?? throw new SuiteException(spec.Here with { Field = spec.Join("model") }, "'model' is required: the embedding model (provider, model, base_url, api_key)");
        return new EmbeddingSimilaritySpec
        {
            Name = name,
            Columns = EmbeddingSimilarityEvaluator.Returned,
            Value = spec.String("value"),
            Model = ModelReader.ReadJudgeModel(model, context, ProviderCapabilities.Embeddings),
        };
    }
}

/// <summary>What a suite says about an <c>embedding-similarity</c> evaluator.</summary>
internal sealed record EmbeddingSimilaritySpec : EvaluatorSpec
{
    /// <summary>The reference text; null compares with the expected answer.</summary>
    public string? Value { get; init; }

    /// <summary>The embedding model (an LLM provider).</summary>
    public required ModelConfig Model { get; init; }

    /// <summary>Without a value, the response is compared with the expected answer.</summary>
    internal override bool NeedsExpected => Value is null;

    internal override IEvaluator Build(RunServices services) => new EmbeddingSimilarityEvaluator(Name, Value, services.CreateEmbeddingGenerator(Model));
}

/// <summary>
/// <c>type: embedding-similarity</c> — cosine similarity between the embeddings of the response and of <c>value</c>
/// or the expected answer, through a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.
/// </summary>
internal sealed class EmbeddingSimilarityEvaluator(string name, string? value, IEmbeddingGenerator<string, Embedding<float>> generator) : IEvaluator, IDisposable
{
    /// <summary>The columns every evaluation returns.</summary>
    public static readonly Column[] Returned = [Column.Float("cosine", "Cosine similarity of the response's and the reference's embeddings, -1 to 1")];

    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns => Returned;

    public async ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var reference = value ?? TextMatch.Targets([], context, Name)[0];
        var embeddings = await generator.GenerateAsync([context.GeneratedResponse, reference], cancellationToken: cancellationToken).ConfigureAwait(false);
        var cosine = TensorPrimitives.CosineSimilarity(embeddings[0].Vector.Span, embeddings[1].Vector.Span);
        return new Dictionary<string, object?> { ["cosine"] = Math.Round((double)cosine, 6) };
    }

    public void Dispose() => generator.Dispose();
}
