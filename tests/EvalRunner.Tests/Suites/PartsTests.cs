using System.Text.Json;
using EvalRunner.Evaluators;
using EvalRunner.Generation;

namespace EvalRunner.Tests.Suites;

/// <summary>Evaluator kinds and providers are found by reflection; the shipped schema names exactly those.</summary>
public sealed class PartsTests
{
    private static readonly JsonElement Definitions = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "schemas", "suite.schema.json"))).RootElement.GetProperty("$defs");

    private static string[] Enum(string definition, string property) =>
        [.. Definitions.GetProperty(definition).GetProperty("properties").GetProperty(property).GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal)];

    [Fact]
    public void Every_evaluator_type_in_the_schema_is_a_discovered_kind_and_every_kind_is_in_the_schema()
    {
        Assert.Equal(Enum("evaluator", "type"), EvaluatorKind.Types);
    }

    [Fact]
    public void Each_kind_allows_the_keys_its_schema_block_allows()
    {
        var blocks = Definitions.GetProperty("evaluator").GetProperty("allOf").EnumerateArray()
            .ToDictionary(
                block => block.GetProperty("if").GetProperty("properties").GetProperty("type").GetProperty("const").GetString()!,
                block => block.GetProperty("then").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());

        Assert.All(EvaluatorKind.All, kind => Assert.Equal(blocks[kind.Type], kind.Options.Append("name").Append("type").Append("sample").Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Every_provider_in_the_schema_is_a_discovered_provider_and_only_llm_providers_can_judge()
    {
        Assert.Equal(Enum("model", "provider"), ProviderKind.Names);
        Assert.Equal(Enum("judgeModel", "provider"), ProviderKind.LlmNames);
        Assert.Equal(Enum("embeddingModel", "provider"), ProviderKind.NamesWith(ProviderCapabilities.Embeddings));
    }
}
