using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>
/// <c>type: embedding-similarity</c> — cosine similarity between the embeddings of the response and of <c>value</c>
/// or the expected answer, through a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.
/// </summary>
internal sealed class EmbeddingSimilarityEvaluator(string name, string? value, IEmbeddingGenerator<string, Embedding<float>> generator) : IEvaluator, IDisposable
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } = [Column.Float("cosine", "Cosine similarity of the response's and the reference's embeddings, -1 to 1")];

    public async ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var reference = value ?? TextMatch.Targets([], context, Name)[0];
        var embeddings = await generator.GenerateAsync([context.GeneratedResponse, reference], cancellationToken: cancellationToken).ConfigureAwait(false);
        var cosine = TensorPrimitives.CosineSimilarity(embeddings[0].Vector.Span, embeddings[1].Vector.Span);
        return new Dictionary<string, object?> { ["cosine"] = Math.Round((double)cosine, 6) };
    }

    public void Dispose() => generator.Dispose();
}
