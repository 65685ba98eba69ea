using EvalRunner.Yaml;

namespace EvalRunner.Generation;

/// <summary>YAML readers of model configs that several parts share: judge and embedding models, response paths.</summary>
internal static class ModelReader
{
    private static readonly string[] JudgeModelKeys = ["name", "provider", "model", "base_url", "api_key", "temperature", "max_tokens", "system_prompt"];

    /// <summary>A model config for a judge or an embedding model: an LLM provider only, temperature 0 unless set.</summary>
    public static ModelConfig ReadJudgeModel(YamlMap model, SuiteReadContext context)
    {
        model.AllowOnly(JudgeModelKeys);
        var llm = ProviderKind.LlmNames;
        var provider = model.RequireString("provider", $"{string.Join(", ", llm.SkipLast(1))} or {llm[^1]}");
        if (ProviderKind.Find(provider) is not { IsLlm: true } kind)
        {
            throw model.Error("provider", $"a judge or embedding model needs an LLM provider ({string.Join(", ", llm)}), not '{provider}'{Suggest.DidYouMean(provider, llm)}");
        }

        return kind.Read(model, context) with
        {
            Temperature = model.Double("temperature", 0, 2) ?? 0,
            MaxTokens = model.Int("max_tokens", 1),
            SystemPrompt = model.String("system_prompt"),
        };
    }

    /// <summary><c>response_path</c>, checked and normalized; null when absent.</summary>
    public static string? ReadResponsePath(YamlMap model)
    {
        var path = model.String("response_path");
        try
        {
            return path is null ? null : JsonPath.Parse(path).Text;
        }
        catch (FormatException ex)
        {
            throw model.Error("response_path", ex.Message);
        }
    }
}
