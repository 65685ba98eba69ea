using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Generation;
using EvalRunner.Results;
using EvalRunner.Templates;
using EvalRunner.Thresholds;
using EvalRunner.Yaml;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Suites;

/// <summary>
/// Loads a suite file as data and checks everything that can be checked without starting anything: keys, types,
/// files, templates, and every threshold against the columns its evaluators return. <see cref="CheckAsync(Suite, Settings, CancellationToken)"/> then
/// checks what needs a process (programs, the Python interpreter), before a generation is paid for.
/// </summary>
public static partial class SuiteLoader
{
    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex EvaluatorName();

    private static readonly string[] TopKeys = ["name", "description", "dataset", "models", "judge", "prices", "evaluators", "thresholds", "run", "online", "baseline"];
    internal static readonly string[] ModelKeys = ["name", "provider", "model", "base_url", "api_key", "temperature", "max_tokens", "system_prompt", "template"];

    /// <summary>Loads a suite file: data only, nothing is started; <see cref="CheckAsync(Suite, Settings, CancellationToken)"/> checks what needs a process.</summary>
    /// <param name="path">The suite YAML file.</param>
    /// <param name="settings">Where <c>${VAR}</c> values and API keys come from; the process environment when null.</param>
    /// <param name="evaluators">
    /// C# evaluators to run after the suite's own, in order; thresholds may use their columns. Their names must not
    /// repeat the suite's.
    /// </param>
    /// <exception cref="SuiteException">The suite is malformed; the message names file, line, column and field.</exception>
    /// <exception cref="DatasetException">An inline datapoint is malformed.</exception>
    public static Suite Load(string path, Settings? settings = null, IReadOnlyList<IEvaluator>? evaluators = null) =>
        Load(path, new SuiteLoadOptions { Settings = settings, Evaluators = evaluators ?? [] });

    /// <summary>Loads a suite file with <paramref name="options"/>: data only, nothing is started.</summary>
    /// <param name="path">The suite YAML file.</param>
    /// <param name="options">Settings, C# evaluators, and whether files outside the suite's repository are allowed.</param>
    /// <exception cref="SuiteException">
    /// The suite is malformed, or names a file outside its repository without <see cref="SuiteLoadOptions.AllowOutsidePaths"/>;
    /// the message names file, line, column and field.
    /// </exception>
    /// <exception cref="DatasetException">An inline datapoint is malformed.</exception>
    public static Suite Load(string path, SuiteLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Settings ?? Settings.FromEnvironment();
        var evaluators = options.Evaluators;
        var root = Parse(path);
        var problems = new ProblemList();
        var map = new YamlMap(root, path, string.Empty, settings, problems);
        map.AllowOnly(TopKeys);
        var paths = new SuitePaths(path, options.AllowOutsidePaths);
        var directory = paths.Directory;

        var sources = map.Try(() => ReadDataset(map, paths), []);
        var prices = map.Try(() => ReadPrices(map), new PriceTable());
        var context = new SuiteReadContext { Directory = directory, Paths = paths, Suite = map, Prices = prices, Settings = settings, Problems = problems };
        var models = map.Try(() => ReadModels(map, context), []);
        var (all, failed) = map.Try(() => ReadEvaluators(map, context), ([], []));
        foreach (var evaluator in evaluators)
        {
            if (all.Any(e => e.Name == evaluator.Name))
            {
                problems.Add(new SuiteException(map.Here with { Field = "evaluators" }, $"the C# evaluator '{evaluator.Name}' has the name of an evaluator in the suite; rename one"));
                continue;
            }

            all.Add(CodeEvaluatorSpec.For(evaluator));
        }

        CheckScoreConfigs(all, models, problems);
        var name = map.Try(() => map.String("name"), null) ?? DefaultName(path);
        map.Try(() => CheckName(name, map), name);
        var suite = new Suite
        {
            Name = name,
            NameLocation = map.Has("name") ? map.LocationOf("name") : new SourceLocation(path, 1),
            Path = path,
            DatasetPath = sources.FirstOrDefault(s => s.Path is not null)?.Path,
            InlineDatapoints = [.. sources.SelectMany(s => s.Inline)],
            Sources = sources,
            Models = models,
            Judge = map.Try(() => map.Map("judge") is { } judge ? ModelReader.ReadJudgeModel(judge, context) : null, null),
            Evaluators = all,
            Prices = prices,
            Options = map.Try(() => ReadOptions(map), new RunOptions()),
            Online = map.Try(() => ReadOnline(map, directory), null),
            Baseline = map.Try(() => ReadBaseline(map, directory), new Results.BaselineOptions()),
            Files = paths.Files,
        };
        suite = suite with { Thresholds = ReadThresholds(map, suite.Columns, failed) };
        problems.ThrowIfAny();
        return suite;
    }

    /// <summary>An <c>external</c> scores file's <c>model_config</c> must name a model config of the suite (when it has models).</summary>
    private static void CheckScoreConfigs(List<EvaluatorSpec> evaluators, List<ModelConfig> models, ProblemList problems)
    {
        if (models.Count == 0)
        {
            return;
        }

        var names = models.Select(m => m.Name).ToList();
        foreach (var (config, at) in evaluators.OfType<ExternalSpec>().SelectMany(e => e.ModelConfigs))
        {
            if (!names.Contains(config, StringComparer.Ordinal))
            {
                problems.Add(new SuiteException(at, $"no model config '{config}' in the suite (known: {string.Join(", ", names)})"));
            }
        }
    }

    /// <summary>
    /// Reads the suite file's YAML: any failure of the file or the parser is a <see cref="SuiteException"/> with the
    /// line, and so are explicit type tags and alias bombs (<see cref="GuardedYamlParser"/>).
    /// </summary>
    private static YamlMappingNode Parse(string path)
    {
        if (Directory.Exists(path))
        {
            throw new SuiteException(new SourceLocation(path, 0), "is a directory; give the suite file (NAME.eval.yaml)");
        }

        if (!File.Exists(path))
        {
            throw new SuiteException(new SourceLocation(path, 0), "suite file not found");
        }

        var stream = new YamlStream();
        GuardedYamlParser? parser = null;
        try
        {
            using var reader = InputFile.OpenText(path);
            parser = new GuardedYamlParser(new Parser(reader));
            stream.Load(parser);
        }
        catch (UnsafeYamlException ex)
        {
            throw new SuiteException(new SourceLocation(path, (int)ex.Start.Line, (int)ex.Start.Column), ex.Reason, ex);
        }
        catch (YamlException ex)
        {
            throw new SuiteException(new SourceLocation(path, (int)ex.Start.Line, (int)ex.Start.Column), $"not valid YAML: {ex.InnerException?.Message ?? ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // The YAML scanner gives up without a position on some broken input (a tab inside an unclosed [ or {).
            throw new SuiteException(new SourceLocation(path, Math.Max(1, parser?.LastLine ?? 1)), "not valid YAML after this line (an unclosed [, { or quote, or a tab used to indent?)", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new SuiteException(InputFile.Locate(path, ex), InputFile.Describe(ex), ex);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SuiteException(new SourceLocation(path, 1), "a suite must be a YAML mapping with dataset, models, evaluators and thresholds");
        }

        return root;
    }

    /// <summary>A name whose results folder would be no folder of its own (empty, <c>.</c>, <c>..</c>) is refused.</summary>
    private static string CheckName(string name, YamlMap map)
    {
        var folder = Results.ResultsStore.FolderName(name);
        if (folder.Trim('.').Length == 0)
        {
            throw map.Has("name")
                ? map.Error("name", $"'{name}' gives the suite no results folder of its own (it would be '{folder}'); use letters, digits, '-', '_' or '.'")
                : new SuiteException(new SourceLocation(map.File, 1), $"the file name gives the suite no results folder of its own; add a 'name:' with letters, digits, '-', '_' or '.'");
        }

        return name;
    }

    /// <summary>
    /// Refuses suites of one run whose results would share a folder (<see cref="Results.ResultsStore.FolderName"/>, compared
    /// as a case-insensitive file system would), naming the later suite's name and the earlier one.
    /// </summary>
    internal static void CheckDistinctFolders(IEnumerable<Suite> suites)
    {
        ArgumentNullException.ThrowIfNull(suites);
        var seen = new Dictionary<string, Suite>(StringComparer.OrdinalIgnoreCase);
        foreach (var suite in suites)
        {
            var folder = Results.ResultsStore.FolderName(suite.Name);
            if (!seen.TryAdd(folder, suite))
            {
                throw new SuiteException(suite.NameLocation,
                    $"'{suite.Name}' writes its results to the folder '{folder}', as the suite '{seen[folder].Name}' ({seen[folder].Path}) of this run does; give each suite a name of its own");
            }
        }
    }

    private static string DefaultName(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        foreach (var suffix in new[] { ".eval.yaml", ".eval.yml", ".yaml", ".yml" })
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

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
        };
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

    private static RunOptions ReadOptions(YamlMap map)
    {
        if (map.Map("run") is not { } run)
        {
            return new RunOptions();
        }

        run.AllowOnly(["concurrency", "timeout", "request_timeout", "retries", "fail_on_error", "min_coverage", "max_cost", "max_tokens", "max_retry_wait", "max_output_bytes", "replay_missing", "min_measured", "repeat", "min_passes"]);
        var defaults = new RunOptions();

        // Each value is read on its own: a bad one is reported and the others are still checked.
        var repeat = run.Try(() => run.Int("repeat", 1, RunOptions.MaxRepeat), null) ?? defaults.Repeat;
        var minPasses = run.Try(() => run.Int("min_passes", 1) is { } passes && passes > repeat
            ? throw run.Error("min_passes", $"must be from 1 to run.repeat ({repeat}), not {passes}: a datapoint passes when at least min_passes of its {repeat} trials pass")
            : run.Int("min_passes", 1), null);

        return new RunOptions
        {
            Repeat = repeat,
            MinPasses = minPasses,
            Concurrency = run.Try(() => run.Int("concurrency", 1, 1024), null) ?? defaults.Concurrency,
            Timeout = run.Try(() => run.Duration("timeout"), null) ?? defaults.Timeout,
            FailOnError = run.Try(() => run.Bool("fail_on_error"), null) ?? defaults.FailOnError,
            MinCoverage = run.Try(() => run.Double("min_coverage", 0, 1), null) ?? defaults.MinCoverage,
            MinMeasured = run.Try(() => run.Double("min_measured", 0, 1), null) ?? defaults.MinMeasured,
            Retries = run.Try(() => run.Int("retries", 0, 20), null) ?? defaults.Retries,
            RequestTimeout = run.Try(() => run.Duration("request_timeout"), null),
            MaxCost = run.Try(() => run.Double("max_cost", 0), null),
            MaxTokens = run.Try(() => run.Int("max_tokens", 1), null),
            MaxRetryWait = run.Try(() => run.Duration("max_retry_wait"), null) ?? defaults.MaxRetryWait,
            MaxOutputBytes = run.Try(() => run.Int("max_output_bytes", 1024), null) ?? defaults.MaxOutputBytes,
            ReplayMissing = run.Try(
                () => run.String("replay_missing") switch
                {
                    null or "skip" => ReplayMissing.Skip,
                    "fail" => ReplayMissing.Fail,
                    var other => throw run.Error("replay_missing", $"must be 'skip' or 'fail', not '{other}'"),
                },
                ReplayMissing.Skip),
        };
    }

    /// <summary><c>baseline:</c> — where the baseline run is, the tolerance of per-datapoint scores, alpha and the age after which it is stale.</summary>
    private static Results.BaselineOptions ReadBaseline(YamlMap map, string directory)
    {
        if (map.Map("baseline") is not { } baseline)
        {
            return new Results.BaselineOptions();
        }

        baseline.AllowOnly(["source", "tolerance", "alpha", "max_age", "new_datapoints"]);
        var defaults = new Results.BaselineOptions();

        // Each value is read on its own: a bad one is reported and the others are still checked.
        return new Results.BaselineOptions
        {
            Source = baseline.Try(() => baseline.String("source"), null) is { } source ? Path.GetFullPath(Path.Combine(directory, source)) : null,
            Tolerance = baseline.Try(() => baseline.Double("tolerance", 0), null) ?? defaults.Tolerance,
            Alpha = baseline.Try(() => baseline.Double("alpha", 0, 1), null) ?? defaults.Alpha,
            MaxAge = baseline.Try(() => baseline.Duration("max_age"), null) ?? defaults.MaxAge,
            NewDatapoints = baseline.Try(() => NewDatapointsOf(baseline), null) ?? defaults.NewDatapoints,
        };
    }

    /// <summary><c>new_datapoints: report | must_pass</c> of a mapping; null when it does not say.</summary>
    private static Results.NewDatapoints? NewDatapointsOf(YamlMap map) => map.String("new_datapoints") switch
    {
        null => null,
        "report" => Results.NewDatapoints.Report,
        "must_pass" => Results.NewDatapoints.MustPass,
        var other => throw map.Error("new_datapoints", $"must be 'report' or 'must_pass', not '{other}'"),
    };

    /// <summary><c>online:</c> — the rolling window, the minimum logs before a rule fires, sampling and where alerts go.</summary>
    private static OnlineOptions? ReadOnline(YamlMap map, string directory)
    {
        if (map.Map("online") is not { } online)
        {
            return map.Has("online") ? new OnlineOptions() : null;
        }

        online.AllowOnly(["window", "min_logs", "sample", "alerts", "rotated_idle"]);

        // Each value is read on its own: a bad one is reported and the others are still checked.
        int? windowLogs = null;
        TimeSpan? windowDuration = null;
        if (online.Try(() => online.String("window"), null) is { } window)
        {
            if (int.TryParse(window, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
            {
                windowLogs = online.Try(() => count >= 1 ? count : throw online.Error("window", "must be at least 1 log"), OnlineOptions.DefaultWindowLogs);
            }
            else
            {
                windowDuration = online.Try(() => online.Duration("window"), null);
            }
        }

        string? file = null;
        Uri? webhook = null;
        var cooldown = OnlineOptions.DefaultAlertCooldown;
        if (online.Try(() => online.Map("alerts"), null) is { } alerts)
        {
            alerts.AllowOnly(["file", "webhook", "cooldown"]);
            if (alerts.Try(() => alerts.String("cooldown"), null) is { } text)
            {
                cooldown = alerts.Try(
                    () => ValueText.ParseDuration(text) is { } duration && duration >= TimeSpan.Zero
                        ? duration
                        : throw alerts.Error("cooldown", $"must be a duration such as 30s, 5m or 0s, not '{text}'"),
                    OnlineOptions.DefaultAlertCooldown);
            }

            file = alerts.Try(() => alerts.String("file"), null) is { } path ? Path.GetFullPath(Path.Combine(directory, path)) : null;
            if (alerts.Try(() => alerts.String("webhook", Secrecy.NotSecret), null) is { } url)
            {
                // Its path and query are the credential (Slack's are); its scheme, host and port are not.
                webhook = alerts.Try(
                    () => Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                        ? uri
                        : throw alerts.Error("webhook", "must be an http(s) URL"),
                    null);
                if (webhook is not null)
                {
                    map.Settings.AddSecretsOfWebhook(webhook);
                }
            }
        }

        return new OnlineOptions
        {
            WindowLogs = windowDuration is null ? windowLogs ?? OnlineOptions.DefaultWindowLogs : null,
            WindowDuration = windowDuration,
            MinLogs = online.Try(() => online.Int("min_logs", 1), null) ?? new OnlineOptions().MinLogs,
            Sample = online.Try(() => online.Double("sample", 0, 1), null) ?? 1,
            AlertsFile = file,
            Webhook = webhook,
            RotatedIdle = online.Try(() => online.Duration("rotated_idle"), null) ?? OnlineOptions.DefaultRotatedIdle,
            AlertCooldown = cooldown,
        };
    }
}
