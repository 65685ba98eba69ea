namespace EvalRunner.Generation;

/// <summary>Where a model config's responses come from.</summary>
public enum Provider
{
    /// <summary>OpenAI, or any OpenAI-compatible endpoint given by <c>base_url</c>.</summary>
    OpenAI,

    /// <summary>An Azure OpenAI deployment.</summary>
    AzureOpenAI,

    /// <summary>An Ollama server.</summary>
    Ollama,

    /// <summary>Any program: the datapoint as JSON on stdin, the response on stdout.</summary>
    Command,

    /// <summary>The team's own HTTP service: a POST per datapoint, the response picked by a JSON path.</summary>
    Http,
}
