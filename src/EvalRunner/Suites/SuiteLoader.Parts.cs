using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Results;
using EvalRunner.Templates;
using EvalRunner.Thresholds;
using EvalRunner.Yaml;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Suites;

/// <summary>Reading the suite's parts: its dataset, model configs, evaluators and thresholds.</summary>
public static partial class SuiteLoader
{
    private static readonly string[] DatasetKeys = ["path", "format", "fields"];

    private static readonly Dictionary<string, DatasetFormat> Formats = new(StringComparer.Ordinal)
    {
        ["jsonl"] = DatasetFormat.Jsonl,
        ["json"] = DatasetFormat.Json,
        ["yaml"] = DatasetFormat.Yaml,
        ["csv"] = DatasetFormat.Csv,
        ["openai-chat"] = DatasetFormat.OpenAIChat,
    };

    /// <summary>
    /// <c>dataset:</c> — a file; a mapping <c>{path, format, fields}</c>; or a list of files, such mappings and inline
    /// datapoints, read in order.
    /// </summary>
    private static List<DatasetSource> ReadDataset(YamlMap map, SuitePaths paths)
    {
        switch (map.Node("dataset"))
        {
            case null when map.Has("online"):
                // A suite for `evalrunner watch` only: its logs come from the watched files.
                return [];
            case null:
                throw new SuiteException(map.Here with { Field = "dataset" }, "'dataset' is required: a file (data/cases.jsonl), a list of files or datapoints, or {path, format, fields}");
            case YamlScalarNode scalar:
                return [ReadDatasetFile(Wrap(map, scalar, "dataset"), paths)];
            case YamlMappingNode:
                return [ReadDatasetFile(map.Map("dataset")!, paths)];
            case YamlSequenceNode sequence:
                var sources = new List<DatasetSource>();
                var datapoints = new List<Datapoint>();
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    var field = $"dataset[{index}]";
                    var at = map.Location(item, field);
                    index++;
                    YamlMap? file = item switch
                    {
                        YamlScalarNode name => Wrap(map, name, field),
                        YamlMappingNode mapping when mapping.Children.ContainsKey(new YamlScalarNode("path")) => new YamlMap(mapping, map.File, field, map.Settings, map.Problems),
                        _ => null,
                    };
                    if (file is not null)
                    {
                        Flush();
                        if (map.Try(() => ReadDatasetFile(file, paths), null) is { } source)
                        {
                            sources.Add(source);
                        }
                    }
                    else if (map.Try(() => DatapointParser.Parse(JsonSerializer.SerializeToElement(YamlJson.FromNode(item, at, Nesting.MaxDatapointDepth, Nesting.DatapointTooDeep)), at), null) is { } datapoint)
                    {
                        datapoints.Add(datapoint);
                    }
                }

                Flush();
                return sources;

                void Flush()
                {
                    if (datapoints.Count > 0)
                    {
                        sources.Add(new DatasetSource { Inline = [.. datapoints] });
                        datapoints.Clear();
                    }
                }

            default:
                throw map.Error("dataset", "must be a file path, a list of files or datapoints, or a mapping {path, format, fields}");
        }
    }

    /// <summary>A file named by a plain string, read as the mapping <c>{path: NAME}</c> at the same place.</summary>
    private static YamlMap Wrap(YamlMap map, YamlScalarNode name, string field) =>
        new(new YamlMappingNode { { new YamlScalarNode("path"), name } }, map.File, field, map.Settings, map.Problems) { Scalar = true };

    private static DatasetSource ReadDatasetFile(YamlMap entry, SuitePaths paths)
    {
        entry.AllowOnly(DatasetKeys);
        var relative = entry.RequireString("path", "the dataset file, relative to the suite");
        SuiteException Error(string message) => entry.Error("path", message);
        var full = paths.Resolve(entry, "path", relative);
        if (Directory.Exists(full))
        {
            throw Error($"'{relative}' is a directory; give the dataset file");
        }

        if (!File.Exists(full))
        {
            throw Error($"dataset file '{relative}' not found (looked for {full})");
        }

        DatasetFormat format;
        if (entry.String("format") is { } name)
        {
            format = Formats.TryGetValue(name, out var named)
                ? named
                : throw entry.Error("format", $"unknown dataset format '{name}'{Suggest.DidYouMean(name, Formats.Keys)}; use {string.Join(", ", Formats.Keys)}");
        }
        else
        {
            format = DatasetSource.FormatOf(full)
                ?? throw Error($"'{relative}' is not a dataset file; use {string.Join(", ", Dataset.Extensions)}, or say how to read it with format: ({string.Join(", ", Formats.Keys)})");
        }

        // Locations read best relative to where the command runs (and match CI annotations).
        var relativeToHere = System.IO.Path.GetRelativePath(Directory.GetCurrentDirectory(), full);
        return new DatasetSource
        {
            Path = relativeToHere.StartsWith("..", StringComparison.Ordinal) ? full : relativeToHere,
            Format = format,
            Fields = entry.Try(() => ReadFields(entry), null),
        };
    }

    /// <summary><c>fields:</c> — source column or JSON path → datapoint field, and <c>rest:</c>; every target checked here.</summary>
    private static FieldMap? ReadFields(YamlMap entry)
    {
        if (entry.Map("fields") is not { } fields)
        {
            return null;
        }

        var mappings = new List<KeyValuePair<string, string>>();
        var rest = RestPolicy.Error;
        foreach (var source in fields.Keys)
        {
            if (source == "rest")
            {
                rest = fields.String("rest") switch
                {
                    "context" => RestPolicy.Context,
                    "ignore" => RestPolicy.Ignore,
                    "error" => RestPolicy.Error,
                    var value => throw fields.Error("rest", $"must be context (keep unmapped fields as context), ignore (leave them out) or error, not '{value}'"),
                };
                continue;
            }

            var target = fields.Try(() => fields.RequireString(source, "the datapoint field it holds"), null);
            if (target is null)
            {
                continue;
            }

            if (FieldMap.TargetProblem(target) is { } problem)
            {
                fields.Try<object?>(() => throw fields.Error(source, problem), null);
                continue;
            }

            if (target != "context" && mappings.FirstOrDefault(m => m.Value == target) is { Key: { } other })
            {
                fields.Try<object?>(() => throw fields.Error(source, $"'{other}' and '{source}' both map to '{target}'; map one column to each field"), null);
                continue;
            }

            mappings.Add(KeyValuePair.Create(source, target));
        }

        return new FieldMap { Mappings = mappings, Rest = rest };
    }

    private static List<ModelConfig> ReadModels(YamlMap map, SuiteReadContext context)
    {
        var models = new List<ModelConfig>();

        // Without models, every datapoint brings its response (logs generated elsewhere); the run checks that.
        foreach (var model in map.Maps("models"))
        {
            if (map.Try(() => ReadModel(model, context, models), null) is { } config)
            {
                models.Add(config);
            }
        }

        return models;
    }

    private static ModelConfig ReadModel(YamlMap model, SuiteReadContext context, List<ModelConfig> models)
    {
        var names = ProviderKind.Names;
        var provider = model.RequireString("provider", $"one of {string.Join(", ", names)}");
        var kind = ProviderKind.Find(provider)
            ?? throw model.Error("provider", $"unknown provider '{provider}'{Suggest.DidYouMean(provider, names)}; use {string.Join(", ", names)}");
        model.AllowOnly([.. ModelKeys, .. kind.Keys]);
        var config = kind.Read(model, context) with
        {
            Temperature = model.Try(() => model.Double("temperature", 0, 2), null),
            MaxTokens = model.Try(() => model.Int("max_tokens", 1), null),
            SystemPrompt = model.Try(() => model.String("system_prompt"), null),
            Template = model.Try(() => ReadTemplate(model, "template", allowResponse: false), null),
            WorkingDirectory = context.Directory,
            Tools = model.Try(() => ReadTools(model, context), []),
            McpServers = model.Try(() => ReadMcpServers(model), []),
            MaxSteps = model.Try(() => model.Int("max_steps", 1, 1000), null) ?? ModelConfig.DefaultMaxSteps,
        };
        if ((config.Tools.Count > 0 || model.Has("max_steps") || model.Has("mcp")) && !kind.IsLlm)
        {
            model.Try<object?>(() => throw model.Error(model.Has("tools") ? "tools" : model.Has("mcp") ? "mcp" : "max_steps",
                $"the {provider} provider runs your own program, which calls its own tools; tools, mcp and max_steps are for the LLM providers ({string.Join(", ", ProviderKind.LlmNames)})"), null);
        }

        if (models.Any(m => m.Name == config.Name))
        {
            throw model.Error("name", $"model config name '{config.Name}' is used twice; give each a unique 'name'");
        }

        return config;
    }

    private static PromptTemplate? ReadTemplate(YamlMap map, string key, bool allowResponse)
    {
        var text = map.String(key);
        try
        {
            return text is null ? null : PromptTemplate.Parse(text, map.Join(key), allowResponse).At(map.LocationOf(key));
        }
        catch (FormatException ex)
        {
            throw new SuiteException(map.LocationOf(key), ex.Message);
        }
    }

    private static PriceTable ReadPrices(YamlMap map)
    {
        var overrides = new Dictionary<string, (double Input, double Output)>(StringComparer.OrdinalIgnoreCase);
        if (map.Map("prices") is { } prices)
        {
            foreach (var model in prices.Keys)
            {
                var price = prices.Map(model) ?? throw prices.Error(model, "must be a mapping: {input: USD per million tokens, output: USD per million tokens}");
                price.AllowOnly(["input", "output"]);
                overrides[model] = (price.Double("input", 0) ?? 0, price.Double("output", 0) ?? 0);
            }
        }

        return new PriceTable(overrides);
    }

    /// <summary>The suite's evaluators, and those that could not be read, with their columns when their kind knows them anyway.</summary>
    private static (List<EvaluatorSpec> Evaluators, List<(string Name, IReadOnlyList<Column>? Columns)> Failed) ReadEvaluators(YamlMap map, SuiteReadContext context)
    {
        var evaluators = new List<EvaluatorSpec>();
        var failed = new List<(string Name, IReadOnlyList<Column>? Columns)>();
        foreach (var spec in map.Maps("evaluators"))
        {
            if (map.Try(() => ReadEvaluator(spec, context, evaluators), null) is { } evaluator)
            {
                evaluators.Add(evaluator);
            }
            else if ((spec.Node("name") ?? spec.Node("type")) is YamlScalarNode { Value: { } name })
            {
                var kind = spec.Node("type") is YamlScalarNode { Value: { } type } ? EvaluatorKind.Find(type) : null;
                IReadOnlyList<Column>? columns = null;
                try
                {
                    columns = kind?.ColumnsOf(spec);
                }
                catch (SuiteException)
                {
                    // The options that decide its columns are wrong too (already reported).
                }

                failed.Add((name, columns));
            }
        }

        return (evaluators, failed);
    }

    private static EvaluatorSpec ReadEvaluator(YamlMap spec, SuiteReadContext context, List<EvaluatorSpec> evaluators)
    {
        var types = EvaluatorKind.Types;
        var type = spec.RequireString("type", $"one of {string.Join(", ", types)}");
        var name = spec.String("name") ?? type;
        var kind = EvaluatorKind.Find(type)
            ?? throw spec.Error("type", $"unknown evaluator type '{type}'{Suggest.DidYouMean(type, types)}; use {string.Join(", ", types)}");
        spec.AllowOnly(["type", "name", "sample", .. kind.Options]);
        var evaluator = kind.Read(spec, name, context) with { Location = spec.Here };
        if (spec.Double("sample", 0, 1) is { } sample && sample < 1)
        {
            // A log outside the sample has no value for the evaluator's columns: rules and aggregates skip it.
            evaluator = evaluator with { Sample = sample, Columns = [.. evaluator.Columns.Select(c => c with { WhenMissing = MissingValue.Skip })] };
        }
        if (evaluators.Any(e => e.Name == name))
        {
            throw spec.Error(spec.Has("name") ? "name" : "type", $"evaluator name '{name}' is used twice; give each a unique 'name'");
        }

        if (!EvaluatorName().IsMatch(name))
        {
            throw spec.Error("name", $"'{name}' is not a valid evaluator name; use letters, digits, '_' and '-'");
        }

        return evaluator;
    }

    private static List<Threshold> ReadThresholds(YamlMap map, IReadOnlyDictionary<string, Column> columns, List<(string Name, IReadOnlyList<Column>? Columns)> failedEvaluators)
    {
        var thresholds = new List<Threshold>();
        var known = new Dictionary<string, Column>(columns);
        foreach (var evaluator in failedEvaluators)
        {
            foreach (var column in evaluator.Columns ?? [])
            {
                known.TryAdd($"{evaluator.Name}.{column.Name}", column);
            }
        }

        // Rules over an evaluator whose columns are unknown are not checked, rather than each reported as unknown.
        var unknown = failedEvaluators.Where(e => e.Columns is null).Select(e => e.Name + ".").ToList();
        var index = 0;
        foreach (var item in map.Try(() => map.Sequence("thresholds"), null) ?? [])
        {
            var at = map.Location(item, $"thresholds[{index}]");
            index++;
            Results.NewDatapoints? newDatapoints = null;
            string written;
            if (item is YamlMappingNode mapping)
            {
                // {rule: "...", new_datapoints: must_pass}: a regression rule with its own options.
                var spec = new YamlMap(mapping, map.File, $"thresholds[{index - 1}]", map.Settings, map.Problems);
                spec.AllowOnly(["rule", "new_datapoints"]);
                var rule = map.Try(() => spec.RequireString("rule", "the rule in quotes, for example rule: \"rate(outcome.passed) >= baseline significant\""), null);
                newDatapoints = map.Try(() => NewDatapointsOf(spec), null);
                if (rule is null)
                {
                    continue;
                }

                written = rule;
            }
            else if (item is YamlScalarNode { Value: { } scalar })
            {
                written = scalar;
            }
            else
            {
                map.Problems!.Add(new SuiteException(at, "a threshold is a rule in quotes, for example \"mean(contains.passed) >= 0.9\""));
                continue;
            }

            // ${NAME} in a rule, as in every other value: "mean(length.words) <= ${MAX_WORDS:-120}".
            if (map.Try(() => map.Interpolate(written, at, Secrecy.ByVariableName), null) is not { } text)
            {
                continue;
            }

            try
            {
                var threshold = Threshold.Parse(text, known);
                if (newDatapoints is not null && !threshold.IsRegression)
                {
                    map.Problems!.Add(new SuiteException(at with { Field = $"thresholds[{index - 1}].new_datapoints" }, $"'{text}': new_datapoints applies to a rule against the baseline (rate(outcome.passed) >= baseline significant)"));
                    continue;
                }

                thresholds.Add(threshold with { NewDatapoints = newDatapoints });
            }
            catch (FormatException ex)
            {
                if (!unknown.Any(prefix => Threshold.ColumnOf(text)?.StartsWith(prefix, StringComparison.Ordinal) == true))
                {
                    map.Problems!.Add(new SuiteException(at, ex.Message));
                }
            }
        }

        return thresholds;
    }
}
