namespace EvalRunner.Generation;

/// <summary>
/// The settings only one provider has (a command's program, an HTTP service's URL and body), in
/// <see cref="ModelConfig.Options"/>; LLM providers have none.
/// </summary>
internal abstract record ProviderOptions;
