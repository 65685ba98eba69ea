using System.ClientModel;
using Azure.AI.OpenAI;
using EvalRunner.Yaml;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation.Providers;

/// <summary><c>provider: azure-openai</c> — an Azure OpenAI deployment at the resource's <c>base_url</c>.</summary>
internal sealed class AzureOpenAIProvider : ChatProviderKind
{
    public override string Name => "azure-openai";

    protected override string Title => "AzureOpenAI";

    protected override string ModelHint => "the deployment name";

    protected override string? KeyVariable => "AZURE_OPENAI_API_KEY";

    protected override void Validate(YamlMap model, Uri? baseUrl, string? apiKey)
    {
        if (baseUrl is null)
        {
            throw new SuiteException(model.Here with { Field = model.Join("base_url") }, "'base_url' is required for azure-openai: your resource's endpoint, https://NAME.openai.azure.com/");
        }

        if (apiKey is null)
        {
            throw NoApiKey(model);
        }
    }

    protected override IChatClient CreateClient(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup) =>
        new AzureOpenAIClient(config.BaseUrl!, key, new AzureOpenAIClientOptions
        {
            RetryPolicy = new ProviderRetryPolicy(setup, Classify),
            NetworkTimeout = setup.RequestTimeout,
        }).GetChatClient(model).AsIChatClient();

    protected override IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddings(ModelConfig config, string model, ApiKeyCredential key, ClientSetup setup) =>
        new AzureOpenAIClient(config.BaseUrl!, key, new AzureOpenAIClientOptions
        {
            RetryPolicy = new ProviderRetryPolicy(setup, Classify),
            NetworkTimeout = setup.RequestTimeout,
        }).GetEmbeddingClient(model).AsIEmbeddingGenerator();
}
