namespace EvalRunner.Generation;

/// <summary>
/// The settings only one provider has (a command's program, an HTTP service's URL and body), in
/// <see cref="ModelConfig.Options"/>; LLM providers have none.
/// </summary>
internal abstract record ProviderOptions
{
    /// <summary>The templates of these settings (an HTTP body's strings), for the check phase.</summary>
    internal virtual IEnumerable<Templates.PromptTemplate> Templates => [];
}
