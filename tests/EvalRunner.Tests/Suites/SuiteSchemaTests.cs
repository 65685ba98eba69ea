using System.Text.Json;
using Json.Schema;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Tests.Suites;

/// <summary>The shipped JSON Schema (schemas/suite.schema.json) agrees with what the loader accepts.</summary>
public sealed class SuiteSchemaTests
{
    private static readonly string Root = Repository.Root;
    private static readonly string[] EvaluatorKeys = ["type", "name", "sample"];
    private static readonly string[] ProviderKeys = ["name", "provider"];
    private static readonly JsonSchema Schema = JsonSchema.FromFile(Path.Combine(Root, "schemas", "suite.schema.json"));

    private static EvaluationResults Validate(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var json = JsonSerializer.SerializeToElement(YamlJson.FromNode(stream.Documents[0].RootNode, new EvalRunner.SourceLocation("suite.yaml", 0)));
        return Schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Errors(EvaluationResults results) =>
        string.Join("\n", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    /// <summary>The <c>then</c> block of a <c>$defs</c> entry's <c>allOf</c> branch for one value of <paramref name="key"/>: its properties.</summary>
    private static Dictionary<string, JsonElement> Branch(string definition, string key, string value)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "schemas", "suite.schema.json")));
        var branches = document.RootElement.GetProperty("$defs").GetProperty(definition).GetProperty("allOf").EnumerateArray()
            .Where(b => b.GetProperty("if").GetProperty("properties").GetProperty(key).GetProperty("const").GetString() == value)
            .ToList();
        var branch = Assert.Single(branches);
        return branch.GetProperty("then").GetProperty("properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    private static List<string> Enum(string definition, string key)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "schemas", "suite.schema.json")));
        return [.. document.RootElement.GetProperty("$defs").GetProperty(definition).GetProperty("properties").GetProperty(key).GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];
    }

    [Fact]
    public void Every_evaluator_kind_has_a_schema_block_with_exactly_the_options_it_reads()
    {
        Assert.Equal(EvalRunner.Evaluators.EvaluatorKind.Types.Order(StringComparer.Ordinal), Enum("evaluator", "type").Order(StringComparer.Ordinal));
        foreach (var kind in EvalRunner.Evaluators.EvaluatorKind.All)
        {
            var properties = Branch("evaluator", "type", kind.Type);

            Assert.Equal(EvaluatorKeys.Concat(kind.Options).Order(StringComparer.Ordinal), properties.Keys.Order(StringComparer.Ordinal));
            Assert.All(properties.Where(p => p.Key != "type"), p => Assert.True(p.Value.TryGetProperty("description", out _), $"{kind.Type}.{p.Key} has no description"));
        }
    }

    [Fact]
    public void Every_provider_has_a_schema_block_with_the_keys_it_reads_and_no_key_the_loader_refuses()
    {
        Assert.Equal(EvalRunner.Generation.ProviderKind.Names.Order(StringComparer.Ordinal), Enum("model", "provider").Order(StringComparer.Ordinal));
        foreach (var kind in EvalRunner.Generation.ProviderKind.All)
        {
            var properties = Branch("model", "provider", kind.Name);
            var accepted = EvalRunner.Suites.SuiteLoader.ModelKeys.Concat(kind.Keys).ToHashSet(StringComparer.Ordinal);

            Assert.All(ProviderKeys.Concat(kind.Keys), key => Assert.True(properties.ContainsKey(key), $"provider {kind.Name}: the schema lacks '{key}'"));
            Assert.All(properties.Keys, key => Assert.True(accepted.Contains(key), $"provider {kind.Name}: the schema allows '{key}', which the loader refuses"));
            Assert.All(properties.Where(p => p.Key != "provider"), p => Assert.True(p.Value.TryGetProperty("description", out _), $"{kind.Name}.{p.Key} has no description"));
        }
    }

    [Fact]
    public void The_schema_is_a_valid_draft_2020_12_schema()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "schemas", "suite.schema.json")));

        var results = MetaSchemas.Draft202012.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(results.IsValid, Errors(results));
    }

    [Fact]
    public void Every_example_suite_in_the_repository_matches_the_schema()
    {
        var suites = Directory.GetFiles(Path.Combine(Root, "examples"), "*.eval.yaml", SearchOption.AllDirectories);

        Assert.NotEmpty(suites);
        Assert.All(suites, suite =>
        {
            var results = Validate(File.ReadAllText(suite));
            Assert.True(results.IsValid, $"{suite}\n{Errors(results)}");
        });
    }

    [Theory]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: command, command: x}]\nevaluator: []\n", "evaluator")]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: command, command: x}]\nevaluators: [{type: contains, pattern: x}]\n", "/evaluators/0")]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: command, url: http://x}]\n", "/models/0")]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: opnai, model: m}]\n", "/models/0/provider")]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: azure-openai, model: m}]\n", "/models/0")]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: command, command: x}]\nrun: {concurrency: 0}\n", "/run/concurrency")]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: command, command: x}]\nthresholds: [contains passed]\n", "/thresholds/0")]
    [InlineData("dataset: [{id: a}]\nmodels: [{provider: command, command: x}]\n", "/dataset")]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: command, command: x}]\nevaluators: [{type: llm, prompt: x}]\n", "/evaluators/0")]
    [InlineData("dataset: d.jsonl\nmodels: [{provider: command, command: x}]\nevaluators: [{type: python, file: a.py, code: x}]\n", "/evaluators/0")]
    [InlineData("dataset: {path: d.csv, fields: {user_msg: inptu}}\n", "/dataset")]
    [InlineData("dataset: {path: d.jsonl, format: openai}\n", "/dataset")]
    public void A_suite_the_loader_rejects_fails_the_schema_at_the_same_place(string yaml, string location)
    {
        var results = Validate(yaml);

        Assert.False(results.IsValid);
        Assert.Contains(location, Errors(results), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dataset: replies.jsonl\nevaluators: [{type: length}]\n")]
    [InlineData("dataset: {path: export.csv, fields: {user_msg: input, bot_reply: generated_response, meta.user: context.user, rest: context}}\n")]
    [InlineData("dataset: {path: logs.log, format: openai-chat}\n")]
    [InlineData("dataset: [a.jsonl, {path: b.csv, format: csv}, {id: x, input: hi, generated_response: hello, model: m, latency_ms: 3}]\n")]
    [InlineData("dataset: d.jsonl\nevaluators: [{type: python, code: x, needs_expected: true}]\n")]
    public void The_logs_mode_forms_of_a_suite_match_the_schema(string yaml)
    {
        var results = Validate(yaml);

        Assert.True(results.IsValid, Errors(results));
    }
}
