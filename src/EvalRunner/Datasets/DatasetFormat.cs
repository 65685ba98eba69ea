namespace EvalRunner.Datasets;

/// <summary>How a dataset file is read: by its extension, or as a suite's <c>format:</c> says.</summary>
internal enum DatasetFormat
{
    Jsonl,
    Json,
    Yaml,
    Csv,

    /// <summary>Logs in the OpenAI chat-completions shape: a request's <c>messages</c> and a response's <c>choices</c>.</summary>
    OpenAIChat,
}
