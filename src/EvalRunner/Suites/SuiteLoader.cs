using System.Text;
using System.Text.RegularExpressions;
using EvalRunner.Evaluators;
using EvalRunner.Evaluators.BuiltIn;
using EvalRunner.Generation;
using EvalRunner.Yaml;
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

    private static readonly string[] TopKeys = ["name", "description", "dataset", "models", "judge", "prices", "evaluators", "thresholds", "run", "online", "baseline", "tool_results", "export"];
    internal static readonly string[] ModelKeys = ["name", "provider", "model", "base_url", "api_key", "temperature", "max_tokens", "system_prompt", "template", "tools", "max_steps", "mcp"];

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

        var toolResults = map.Try(() => ReadToolResults(map, models), []);
        models = [.. models.Select(m => m.HasTools ? m with { ToolResults = toolResults } : m)];
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
            Export = map.Try(() => ReadExport(map), null),
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
}
