namespace EvalRunner.Generation;

/// <summary>What a provider's clients can do besides generating a model config's responses.</summary>
[Flags]
internal enum ProviderCapabilities
{
    /// <summary>Only responses (a program, an HTTP service).</summary>
    None = 0,

    /// <summary>A Microsoft.Extensions.AI chat client: it can be a judge.</summary>
    Chat = 1,

    /// <summary>A Microsoft.Extensions.AI embedding generator: it can be the model of <c>embedding-similarity</c>.</summary>
    Embeddings = 2,
}
