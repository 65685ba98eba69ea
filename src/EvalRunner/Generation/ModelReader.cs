using EvalRunner.Yaml;

namespace EvalRunner.Generation;

/// <summary>YAML readers of model configs that several parts share: judge and embedding models, response paths.</summary>
internal static class ModelReader
{
    private static readonly string[] JudgeModelKeys = ["name", "provider", "model", "base_url", "api_key", "temperature", "max_tokens", "system_prompt"];

    /// <summary>
    /// A model config for a judge (<paramref name="needed"/> <see cref="ProviderCapabilities.Chat"/>) or an embedding
    /// model (<see cref="ProviderCapabilities.Embeddings"/>): a provider that can do it only, temperature 0 unless set.
    /// </summary>
    public static ModelConfig ReadJudgeModel(YamlMap model, SuiteReadContext context, ProviderCapabilities needed = ProviderCapabilities.Chat)
    {
        model.AllowOnly(JudgeModelKeys);
        var able = ProviderKind.NamesWith(needed);
        var (role, lacks) = needed.HasFlag(ProviderCapabilities.Embeddings) ? ("an embedding model", "no embeddings") : ("a judge", "no chat client");
        var provider = model.RequireString("provider", $"{string.Join(", ", able.SkipLast(1))} or {able[^1]}");
        var kind = ProviderKind.Find(provider)
            ?? throw model.Error("provider", $"unknown provider '{provider}'; {role} needs one of {string.Join(", ", able)}{Suggest.DidYouMean(provider, able)}");
        if (!kind.Can(needed))
        {
            throw model.Error("provider", $"provider '{provider}' has {lacks}; {role} needs one of {string.Join(", ", able)}");
        }

        return kind.Read(model, context) with
        {
            Temperature = model.Double("temperature", 0, 2) ?? 0,
            MaxTokens = model.Int("max_tokens", 1),
            SystemPrompt = model.String("system_prompt"),
        };
    }

    /// <summary><c>response_path</c>, checked and normalized; null when absent.</summary>
    public static string? ReadResponsePath(YamlMap model) => ReadPath(model, "response_path");

    /// <summary>
    /// <c>steps_path</c>: where your own agent's answer holds its trajectory (the results.jsonl step shape); it needs
    /// <c>response_path</c>, since the answer is then JSON. Null when absent.
    /// </summary>
    public static string? ReadStepsPath(YamlMap model)
    {
        var path = ReadPath(model, "steps_path");
        return path is not null && !model.Has("response_path")
            ? throw model.Error("steps_path", "needs response_path: the answer is JSON that holds both the response and its steps, for example response_path: response and steps_path: steps")
            : path;
    }

    private static string? ReadPath(YamlMap model, string key)
    {
        var path = model.String(key);
        try
        {
            return path is null ? null : JsonPath.Parse(path).Text;
        }
        catch (FormatException ex)
        {
            throw model.Error(key, ex.Message.Replace("response_path", key, StringComparison.Ordinal));
        }
    }

    /// <summary>The trajectory at <paramref name="path"/> in an answer, in the results.jsonl step shape.</summary>
    /// <exception cref="InvalidOperationException">Nothing is there, or it is not a list of steps.</exception>
    public static List<Logs.TrajectoryStep> ReadSteps(JsonPath path, System.Text.Json.JsonElement root)
    {
        try
        {
            return Datasets.DatapointParser.ParseSteps(path.Select(root, "steps_path"), new SourceLocation("the answer", 0));
        }
        catch (Exception ex) when (ex is KeyNotFoundException or DatasetException)
        {
            throw new InvalidOperationException($"steps_path '{path.Text}': {ex.Message}", ex);
        }
    }
}
