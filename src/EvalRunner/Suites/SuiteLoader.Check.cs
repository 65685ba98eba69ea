using System.Runtime.CompilerServices;
using EvalRunner.Caching;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Templates;

namespace EvalRunner.Suites;

/// <summary>The check phase: what needs the file system, a process or the whole dataset, before a run spends anything.</summary>
public static partial class SuiteLoader
{
    // Suites that passed the check, with the settings they passed it with and, when a run's check counted them, the
    // datapoints of its filter: `validate`, the CLI and the xunit front end check before a run starts and the run
    // checks again; one python start-up per evaluator and one pass over the dataset are enough.
    private static readonly ConditionalWeakTable<Suite, CheckedWith> Checked = [];

    private sealed record CheckedWith(Settings Settings, Datasets.DatapointFilter? Filter, Datasets.DatasetCount? Count);

    /// <summary>
    /// The check phase, before a run spends anything: what needs the file system or a process at run time (a
    /// command's program on PATH, the Python interpreter and each Python evaluator's <c>main()</c>), and, when a
    /// template uses a context value or an evaluator compares with the expected answer, the whole dataset in one pass
    /// (every datapoint well formed, ids unique, every template's context and every offline evaluator's expected
    /// answer present). A suite that passed it with the same settings is not checked again.
    /// </summary>
    /// <exception cref="SuiteException">A check failed; the message names file, line, column and field.</exception>
    /// <exception cref="DatasetException">Datapoints are malformed or ids repeat; the message lists each problem.</exception>
    public static async Task CheckAsync(Suite suite, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (!Checked.TryGetValue(suite, out var done) || !ReferenceEquals(done.Settings, settings))
        {
            await CheckCoreAsync(suite, settings, null, counted: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The check phase for a run: <see cref="CheckAsync(Suite, Settings, CancellationToken)"/>, with the whole dataset
    /// checked and the datapoints of <paramref name="filter"/> counted in the same one pass over it; a datapoint without
    /// a response in a suite without model configs is a problem too (a run cannot generate it; a test project that
    /// supplies its own responses can, so the check without a count lets it through). A suite checked before with the
    /// same settings is only counted, in a pass without the other checks, unless a run's check counted it already.
    /// </summary>
    /// <exception cref="SuiteException">A check failed; the message names file, line, column and field.</exception>
    /// <exception cref="DatasetException">Datapoints are malformed, ids repeat, or a response is missing; the message lists each problem.</exception>
    internal static async Task<Datasets.DatasetCount> CheckAsync(Suite suite, Settings settings, Datasets.DatapointFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (Checked.TryGetValue(suite, out var done) && ReferenceEquals(done.Settings, settings))
        {
            return done.Count is { } count && Equals(done.Filter, filter)
                ? count
                : await ReadDatasetAsync(suite, filter, check: false, requireResponses: true, cancellationToken).ConfigureAwait(false);
        }

        return (await CheckCoreAsync(suite, settings, filter, counted: true, cancellationToken).ConfigureAwait(false))!.Value;
    }

    private static async Task<Datasets.DatasetCount?> CheckCoreAsync(Suite suite, Settings settings, Datasets.DatapointFilter? filter, bool counted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);

        foreach (var model in suite.Models)
        {
            await ProviderKind.For(model).CheckAsync(model, settings, cancellationToken).ConfigureAwait(false);
        }

        Datasets.DatasetCount? count = counted || TemplateCheck.For(suite) is not null || TargetCheck.For(suite) is not null
            ? await ReadDatasetAsync(suite, filter, check: true, requireResponses: counted, cancellationToken).ConfigureAwait(false)
            : null;
        foreach (var evaluator in suite.Evaluators)
        {
            await evaluator.CheckAsync(settings, cancellationToken).ConfigureAwait(false);
        }

        Checked.AddOrUpdate(suite, new CheckedWith(settings, filter, counted ? count : null));
        return count;
    }

    /// <summary>
    /// One pass over the dataset: counts the datapoints of <paramref name="filter"/> and the supplied responses among
    /// them, checking every datapoint (format, fields, duplicate ids; with <paramref name="requireResponses"/>, in a
    /// suite without model configs, a datapoint without a response, which a run could not generate). With
    /// <paramref name="check"/>, also every template's <c>{context.NAME}</c> and every offline evaluator's expected
    /// answer, against every datapoint.
    /// </summary>
    /// <exception cref="DatasetException">Datapoints are malformed, ids repeat, or a response is missing; the message lists each problem.</exception>
    /// <exception cref="SuiteException">A template's context or an offline evaluator's expected answer is missing.</exception>
    internal static async Task<Datasets.DatasetCount> ReadDatasetAsync(
        Suite suite, Datasets.DatapointFilter? filter, bool check, bool requireResponses, CancellationToken cancellationToken, IReadOnlySet<string>? listed = null)
    {
        ArgumentNullException.ThrowIfNull(suite);
        int count = 0, supplied = 0;
        var problems = new ProblemList();
        var templates = check ? TemplateCheck.For(suite) : null;
        var targets = check ? TargetCheck.For(suite) : null;

        // The tools the model configs declare: a datapoint's expected calls and canned results must name one of them.
        // Not checked when no model config declares tools (logs mode, your own agent behind command or http).
        var declared = suite.Models.SelectMany(m => m.Tools).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        // Nor with MCP servers, whose tools are known only once they run, unless they were listed (validate --live).
        declared.UnionWith(listed ?? new HashSet<string>());
        var offered = declared.Count == 0 || (listed is null && suite.Models.Any(m => m.McpServers.Count > 0)) ? null : declared;
        await foreach (var datapoint in suite.ReadDatapointsAsync(problems, cancellationToken).ConfigureAwait(false))
        {
            if (requireResponses && suite.Models.Count == 0 && datapoint.SuppliedLog is null)
            {
                problems.Add(new DatasetException(
                    (datapoint.Location ?? new SourceLocation(suite.Path, 0)).WithField("generated_response"),
                    $"datapoint '{datapoint.Id}' has no response, and the suite has no models to generate one; "
                    + "give it a generated_response (or map the column that holds it under the dataset's fields:), or add models: to the suite"));
                continue;
            }

            if (check && offered is not null)
            {
                CheckToolNames(datapoint, offered, problems);
            }

            templates?.Add(datapoint);
            targets?.Add(datapoint);
            if (filter?.Matches(datapoint) != false)
            {
                count++;
                supplied += datapoint.SuppliedLog is null ? 0 : 1;
            }
        }

        problems.ThrowIfAny(dataset: true);
        templates?.ThrowIfAny(suite);
        targets?.ThrowIfAny(suite);
        return new Datasets.DatasetCount(count, supplied);
    }

    /// <summary>
    /// Checks every tool name that the suite's and the datapoints' <c>tool_results</c> and <c>expected_tool_calls</c>
    /// give against the declared tools and those the suite's MCP servers list: live (<c>validate --live</c>: the
    /// servers are started and listed), else as the last live run listed them, from <paramref name="cache"/> (no server is
    /// started). Without a listing of every server the names are not checked, and the notes returned say why.
    /// </summary>
    /// <exception cref="SuiteException">A server cannot be listed, or the suite's canned results name a tool nobody offers.</exception>
    /// <exception cref="DatasetException">Datapoints name tools nobody offers.</exception>
    internal static async Task<List<string>> CheckMcpToolNamesAsync(Suite suite, Settings settings, FileResponseCache? cache, bool live, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var listed = new HashSet<string>(StringComparer.Ordinal);
        var notes = new List<string>();
        foreach (var model in suite.Models.Where(m => m.McpServers.Count > 0))
        {
            using var toolbox = new McpToolbox(model, settings, TimeProvider.System, live ? null : cache);
            if (!live)
            {
                if (await toolbox.UncachedServersAsync(cancellationToken).ConfigureAwait(false) is [var uncached, ..])
                {
                    notes.Add($"the tool names of the MCP servers of model config '{model.Name}' were not checked: the cache ({cache?.Directory ?? "off"}) "
                        + $"has no tool list of MCP server '{uncached.Name}' (a live run keeps one; `evalrunner validate --live` lists the servers now)");
                }
                else
                {
                    listed.UnionWith((await toolbox.CachedToolsAsync(cancellationToken).ConfigureAwait(false) ?? []).Select(t => t.Tool.Name));
                }

                continue;
            }

            try
            {
                listed.UnionWith((await toolbox.ToolsAsync(cancellationToken).ConfigureAwait(false)).Select(t => t.Tool.Name));
            }
            catch (McpServerException ex)
            {
                throw new SuiteException(model.McpServers[0].Location, $"model config '{model.Name}': {ex.Message}");
            }
        }

        if (notes.Count > 0 || !suite.Models.Any(m => m.McpServers.Count > 0))
        {
            return notes;
        }

        var offered = suite.Models.SelectMany(m => m.Tools).Select(t => t.Name).Concat(listed).ToHashSet(StringComparer.Ordinal);
        var problems = new ProblemList();
        foreach (var canned in suite.Models.SelectMany(m => m.ToolResults).DistinctBy(r => r.Location))
        {
            if (!offered.Contains(canned.Name))
            {
                problems.Add(new SuiteException((canned.Location ?? new SourceLocation(suite.Path, 0)).WithField("name"),
                    $"no model config offers a tool '{canned.Name}'{Suggest.DidYouMean(canned.Name, offered)} (its MCP servers list: {string.Join(", ", listed.Order(StringComparer.Ordinal))})"));
            }
        }

        problems.ThrowIfAny();
        await ReadDatasetAsync(suite, null, check: true, requireResponses: true, cancellationToken, listed).ConfigureAwait(false);
        return notes;
    }

    private static void CheckToolNames(Datapoint datapoint, HashSet<string> offered, ProblemList problems)
    {
        var at = datapoint.Location ?? new SourceLocation(string.Empty, 0);
        void Check(string name, string field)
        {
            if (!offered.Contains(name))
            {
                problems.Add(new DatasetException(at.WithField(field),
                    $"datapoint '{datapoint.Id}': no model config offers a tool '{name}'{Suggest.DidYouMean(name, offered)}; the tools: {string.Join(", ", offered.Order(StringComparer.Ordinal))}"));
            }
        }

        for (var i = 0; i < datapoint.ExpectedToolCalls.Count; i++)
        {
            Check(datapoint.ExpectedToolCalls[i].Name, $"expected_tool_calls[{i}].name");
        }

        for (var i = 0; i < datapoint.ToolResults.Count; i++)
        {
            Check(datapoint.ToolResults[i].Name, $"tool_results[{i}].name");
        }
    }

    /// <summary>
    /// Every <c>{context.NAME}</c> of every template (model configs' templates and bodies, judges' prompts) against
    /// every datapoint: a datapoint without the value would be generated or judged for nothing.
    /// </summary>
    private sealed class TemplateCheck(List<PromptTemplate> templates)
    {
        private const int Named = 10;
        private readonly Dictionary<(PromptTemplate Template, string Variable), (List<string> Ids, int Count)> _lacking = [];

        /// <summary>The check of the suite's templates that use a context value; null when none does.</summary>
        public static TemplateCheck? For(Suite suite)
        {
            var templates = suite.Models
                .SelectMany(m => (m.Template is { } template ? [template] : Array.Empty<PromptTemplate>()).Concat(m.Options?.Templates ?? []))
                .Concat(suite.Evaluators.SelectMany(e => e.Templates))
                .Where(t => t.Variables.Any(v => v.StartsWith("context.", StringComparison.Ordinal)))
                .ToList();
            return templates.Count == 0 ? null : new TemplateCheck(templates);
        }

        public void Add(Datapoint datapoint)
        {
            foreach (var template in templates)
            {
                foreach (var variable in template.MissingIn(datapoint))
                {
                    var entry = _lacking.TryGetValue((template, variable), out var found) ? found : ([], 0);
                    if (entry.Ids.Count < Named)
                    {
                        entry.Ids.Add(datapoint.Id);
                    }

                    _lacking[(template, variable)] = (entry.Ids, entry.Count + 1);
                }
            }
        }

        public void ThrowIfAny(Suite suite)
        {
            if (_lacking.Count == 0)
            {
                return;
            }

            var problems = _lacking.Select(pair =>
            {
                var ((template, variable), (ids, count)) = (pair.Key, pair.Value);
                var more = count > ids.Count ? $" and {count - ids.Count} more" : string.Empty;
                var datapoints = count == 1 ? "1 datapoint has" : $"{count} datapoints have";
                // The location names the template's field; without one the message does.
                var owner = template.Location is null ? template.Owner : "the template";
                return (template.Location, Message: $"{owner} uses {{{variable}}}, but {datapoints} no {variable}: {string.Join(", ", ids)}{more}; "
                    + $"add it to their context, or remove it from the template");
            }).ToList();
            var (location, message) = problems[0];
            var others = problems.Skip(1).Select(p => p.Location is { } at ? $"\n{at}: {p.Message}" : $"\n{p.Message}");
            throw new SuiteException(location ?? new SourceLocation(suite.Path, 0), message + string.Concat(others));
        }
    }

    /// <summary>
    /// Offline evaluators (those that compare with a target, <see cref="EvaluatorSpec.NeedsExpected"/>) against the
    /// responses supplied with the dataset: a log without <c>expected</c> would only give error rows.
    /// </summary>
    private sealed class TargetCheck(List<EvaluatorSpec> offline)
    {
        private const int Named = 10;
        private readonly List<string> _ids = [];
        private int _count;

        /// <summary>The check of the suite's offline evaluators; null when it has none.</summary>
        public static TargetCheck? For(Suite suite)
        {
            var offline = suite.Evaluators.Where(e => e.NeedsExpected).ToList();
            return offline.Count == 0 ? null : new TargetCheck(offline);
        }

        public void Add(Datapoint datapoint)
        {
            if (datapoint.SuppliedLog is not null && datapoint.Expected is null)
            {
                _count++;
                if (_ids.Count < Named)
                {
                    _ids.Add(datapoint.Id);
                }
            }
        }

        public void ThrowIfAny(Suite suite)
        {
            if (_count == 0)
            {
                return;
            }

            var more = _count > _ids.Count ? $" and {_count - _ids.Count} more" : string.Empty;
            var logs = _count == 1 ? "1 supplied response has" : $"{_count} supplied responses have";
            var first = offline[0];
            var names = string.Join(", ", offline.Select(e => $"'{e.Name}'"));
            throw new SuiteException(
                first.Location ?? new SourceLocation(suite.Path, 0),
                $"evaluator{(offline.Count == 1 ? string.Empty : "s")} {names} compare{(offline.Count == 1 ? "s" : string.Empty)} with the expected answer, "
                + $"but {logs} no 'expected': {string.Join(", ", _ids)}{more}; give those datapoints expected (or map the column that holds it under fields:), "
                + "give the evaluator a value to compare with, or use evaluators that need only the log");
        }
    }
}
