using Microsoft.Extensions.AI;

namespace EvalRunner.Generation;

/// <summary>An embedding generator whose calls get the run's retries and request timeout (<see cref="ProviderCalls"/>).</summary>
internal sealed class RetryingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, ProviderCalls calls, IDisposable? owned = null)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = values as IReadOnlyCollection<string> ?? [.. values];
        return calls.SendAsync(token => base.GenerateAsync(list, options?.Clone(), token), cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            owned?.Dispose();
        }

        base.Dispose(disposing);
    }
}
