using System.Globalization;
using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators.BuiltIn;

/// <summary>Reads an <c>external</c> evaluator and its scores file: the scores are data, read when the suite loads.</summary>
internal sealed class ExternalKind : EvaluatorKind
{
    public override string Type => "external";

    public override string[] Options => ["file", "columns", "missing"];

    /// <summary>The optional column that keys a score to one model config; a score without it applies to every config.</summary>
    private const string ModelConfigColumn = "model_config";

    /// <summary>The optional column that names who scored; with it, several reviewers' scores of one datapoint are joined.</summary>
    private const string ReviewerColumn = "reviewer";

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context)
    {
        var relative = spec.RequireString("file", "a JSONL or CSV file of scores with an 'id' per datapoint");
        var file = context.Paths.Resolve(spec, "file", relative);
        if (!File.Exists(file))
        {
            throw spec.Error("file", $"scores file '{relative}' not found (looked for {file})");
        }

        var missing = spec.String("missing") switch
        {
            null or "fail" => MissingValue.Fail,
            "skip" => MissingValue.Skip,
            var other => throw spec.Error("missing", $"must be 'fail' or 'skip', not '{other}'"),
        };
        var columns = (ColumnReader.ReadColumns(spec, "columns", allowRange: true)
            ?? throw new SuiteException(spec.Here with { Field = spec.Join("columns") }, "'columns' is required: the score columns and their types (rating: integer)"))
            .Select(c => c with { WhenMissing = missing })
            .ToList();
        var format = Path.GetExtension(file).ToLowerInvariant();
        if (format is not (".jsonl" or ".csv"))
        {
            throw spec.Error("file", $"'{format}' is not a scores format; use .jsonl or .csv");
        }

        var configs = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        var reviewed = ReadScores(file, relative, format, columns, configs, context.Problems);
        var byReviewer = reviewed.Values.Any(list => list.Any(score => score.Reviewer is not null));
        var scores = reviewed.ToDictionary(entry => entry.Key, entry => byReviewer ? ExternalJoin.Join(columns, entry.Value) : entry.Value[0].Values, StringComparer.Ordinal);
        List<string> ties = byReviewer
            ? [.. reviewed.OrderBy(entry => entry.Key, StringComparer.Ordinal).SelectMany(entry => ExternalJoin.Ties(columns, entry.Value).Select(column => $"{ExternalEvaluator.Shown(entry.Key)} {column}"))]
            : [];
        return new ExternalSpec
        {
            Name = name, Columns = ExternalEvaluator.ColumnsFor(columns, byReviewer), Scored = columns, Scores = scores, File = relative, FullPath = file, ModelConfigs = configs, ByReviewer = byReviewer, Ties = ties,
        };
    }

    /// <summary>
    /// Reads a score file through the dataset readers (<see cref="JsonlReader"/>, <see cref="CsvRows"/>): each bad row
    /// is a problem of the suite, and reading goes on to find the others.
    /// </summary>
    private static Dictionary<string, List<ReviewerScore>> ReadScores(
        string file, string shown, string format, List<Column> columns, Dictionary<string, SourceLocation> configs, ProblemList problems)
    {
        var scores = new Dictionary<string, List<ReviewerScore>>(StringComparer.Ordinal);
        var fileProblems = new ProblemList();
        try
        {
            if (format == ".jsonl")
            {
                foreach (var row in JsonlReader.ReadAsync(file, shown, fileProblems, CancellationToken.None).ToBlockingEnumerable())
                {
                    fileProblems.Try(() => AddJsonScore(scores, row, columns, configs));
                }
            }
            else
            {
                foreach (var row in CsvRows.ReadAsync(file, shown, fileProblems, CancellationToken.None).ToBlockingEnumerable())
                {
                    fileProblems.Try(() => AddCsvScore(scores, row, columns, configs));
                }
            }
        }
        catch (DatasetException ex)
        {
            fileProblems.Add(ex);
        }

        foreach (var problem in fileProblems.Items)
        {
            // A score file belongs to the suite: its problems are the suite's.
            problems.Add(new SuiteException(problem.Location, problem.Message));
        }

        return scores;
    }

    private static void AddJsonScore(Dictionary<string, List<ReviewerScore>> scores, JsonRow row, List<Column> columns, Dictionary<string, SourceLocation> configs)
    {
        var at = row.Location;
        var value = row.Value;
        var id = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("id", out var idValue) && idValue.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? (idValue.ValueKind == JsonValueKind.String ? idValue.GetString()! : idValue.GetRawText())
            : throw new SuiteException(at with { Field = "id" }, "every score needs the datapoint's 'id'");
        var values = new Dictionary<string, object?>();
        foreach (var column in columns)
        {
            values[column.Name] = value.TryGetProperty(column.Name, out var cell) && cell.ValueKind != JsonValueKind.Null
                ? ScoreValue(column, cell.ValueKind == JsonValueKind.String ? cell.GetString()! : cell.GetRawText(), at with { Field = column.Name })
                : null;
        }

        var config = value.TryGetProperty(ModelConfigColumn, out var configValue) && configValue.ValueKind != JsonValueKind.Null
            ? configValue.ValueKind == JsonValueKind.String ? configValue.GetString() : throw new SuiteException(at with { Field = ModelConfigColumn }, "must be a model config's name")
            : null;
        var reviewer = value.TryGetProperty(ReviewerColumn, out var reviewerValue) && reviewerValue.ValueKind == JsonValueKind.String && reviewerValue.GetString() is { Length: > 0 } named ? named : null;
        AddScore(scores, id, config, reviewer, values, at, configs);
    }

    private static void AddCsvScore(Dictionary<string, List<ReviewerScore>> scores, CsvRow row, List<Column> columns, Dictionary<string, SourceLocation> configs)
    {
        if (ReferenceEquals(row.Cells, row.Header))
        {
            if (!row.Header.Contains("id"))
            {
                throw new SuiteException(row.Location with { Field = "id" }, "a scores CSV needs an 'id' column");
            }

            return;
        }

        var values = new Dictionary<string, object?>();
        foreach (var column in columns)
        {
            var text = row[column.Name];
            values[column.Name] = string.IsNullOrEmpty(text) ? null : ScoreValue(column, text, row.Location with { Field = column.Name });
        }

        AddScore(scores, row["id"] ?? string.Empty, row[ModelConfigColumn] is { Length: > 0 } config ? config : null, row[ReviewerColumn] is { Length: > 0 } reviewer ? reviewer : null, values, row.Location, configs);
    }

    private static void AddScore(
        Dictionary<string, List<ReviewerScore>> scores, string id, string? config, string? reviewer, Dictionary<string, object?> values, SourceLocation at, Dictionary<string, SourceLocation> configs)
    {
        var key = ExternalEvaluator.Key(id, config);
        if (!scores.TryGetValue(key, out var list))
        {
            scores[key] = list = [];
        }
        else if (reviewer is null || list.Any(score => score.Reviewer is null))
        {
            // Without a reviewer column, two scores of one datapoint are a mistake, not two opinions.
            throw new SuiteException(at with { Field = "id" }, config is null ? $"datapoint '{id}' has two scores; keep one" : $"datapoint '{id}' has two scores for model config '{config}'; keep one");
        }
        else if (list.Any(score => score.Reviewer == reviewer))
        {
            throw new SuiteException(at with { Field = ReviewerColumn }, $"reviewer '{reviewer}' has two scores for datapoint '{id}'" + (config is null ? string.Empty : $" and model config '{config}'") + "; keep one");
        }

        list.Add(new ReviewerScore(reviewer, values));

        if (config is not null)
        {
            configs.TryAdd(config, at with { Field = ModelConfigColumn });
        }
    }

    private static object ScoreValue(Column column, string text, SourceLocation at)
    {
        var value = ScoreText.Value(column, text) ?? throw new SuiteException(at, $"'{text}' is not a valid {column.Type.ToString().ToLowerInvariant()}"
            + (column.Type == ColumnType.Choice ? $" (one of {string.Join(", ", column.Choices)})" : string.Empty));
        if (value is long or double && ScoreText.OutsideRange(column, Convert.ToDouble(value, CultureInfo.InvariantCulture), text) is { } outside)
        {
            throw new SuiteException(at, outside);
        }

        return value;
    }
}

/// <summary>What a suite says about an <c>external</c> evaluator, with the scores it imports.</summary>
internal sealed record ExternalSpec : EvaluatorSpec
{
    /// <summary>The score columns as declared (<see cref="EvaluatorSpec.Columns"/> adds <c>found</c>).</summary>
    public required IReadOnlyList<Column> Scored { get; init; }

    /// <summary>The scores by datapoint id.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> Scores { get; init; }

    /// <summary>The score file as the suite names it.</summary>
    public string File { get; init; } = "scores";

    /// <summary>The score file's full path, resolved when the suite loaded.</summary>
    public string FullPath { get; init; } = "scores";

    /// <summary>The model configs the file's <c>model_config</c> column names, each with where it first appears.</summary>
    public IReadOnlyDictionary<string, SourceLocation> ModelConfigs { get; init; } = new Dictionary<string, SourceLocation>();

    /// <summary>Whether the file has a <c>reviewer</c> column: the scores are joins of several reviewers', with a <c>reviewers</c> count.</summary>
    public bool ByReviewer { get; init; }

    /// <summary>Where reviewers tie on a bool or choice column (<c>id [model config] column</c>), in key order: those joined scores have no value.</summary>
    public IReadOnlyList<string> Ties { get; init; } = [];

    internal override IEvaluator Build(RunServices services) => new ExternalEvaluator(Name, Scored, Scores, ByReviewer);
}

/// <summary>
/// <c>type: external</c> — scores produced elsewhere (human review, another system), imported by datapoint id from
/// a JSONL or CSV file when the suite loads. A datapoint without a score has no values: its columns are missing.
/// </summary>
internal sealed class ExternalEvaluator(string name, IReadOnlyList<Column> columns, IReadOnlyDictionary<string, IReadOnlyDictionary<string, object?>> scores, bool byReviewer = false) : IEvaluator
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } = ColumnsFor(columns, byReviewer);

    /// <summary>The score columns and <c>found</c>, and <c>reviewers</c> when the file names its reviewers.</summary>
    public static IReadOnlyList<Column> ColumnsFor(IReadOnlyList<Column> columns, bool byReviewer = false) =>
        byReviewer
            ? [.. columns, Column.Bool("found", "Whether the file has a score for this datapoint"), Column.Integer(ExternalJoin.ReviewersColumn, "How many reviewers scored this datapoint")]
            : [.. columns, Column.Bool("found", "Whether the file has a score for this datapoint")];

    /// <summary>The key of a datapoint's score: its id, and the model config when the score is for one config only.</summary>
    public static string Key(string id, string? modelConfig) => modelConfig is null ? id : id + "\u001f" + modelConfig;

    private static string IdOf(string key) => key.Split('\u001f')[0];

    /// <summary>A score's key as a person reads it: <c>id [model config]</c>, or the id alone.</summary>
    public static string Shown(string key) => key.Split('\u001f') is [var id, var config] ? $"{id} [{config}]" : key;

    /// <summary>
    /// One warning per <c>external</c> evaluator whose reviewers tie on a bool or choice column of a datapoint: the
    /// joined score has no value there, which a further reviewer decides.
    /// </summary>
    public static IReadOnlyList<string> TieWarnings(IEnumerable<EvaluatorSpec> evaluators) =>
        [.. evaluators.OfType<ExternalSpec>().Where(external => external.Ties.Count > 0).Select(external =>
            $"external evaluator '{external.Name}': reviewers tie on {external.Ties.Count} score{(external.Ties.Count == 1 ? string.Empty : "s")}, which {(external.Ties.Count == 1 ? "has" : "have")} no value: "
            + string.Join(", ", external.Ties.Take(NamedIds)) + (external.Ties.Count > NamedIds ? $" and {external.Ties.Count - NamedIds} more" : string.Empty)
            + " (a further reviewer decides)")];

    /// <summary>How many unknown ids a warning names before "and N more".</summary>
    private const int NamedIds = 10;

    /// <summary>
    /// One warning per <c>external</c> evaluator whose score file has ids that match none of <paramref name="ids"/> (a
    /// typo, a removed datapoint): the first ids and a count.
    /// </summary>
    public static IReadOnlyList<string> UnknownIdWarnings(IEnumerable<EvaluatorSpec> evaluators, IReadOnlySet<string> ids)
    {
        var externals = evaluators.OfType<ExternalSpec>();
        var warnings = new List<string>();
        foreach (var external in externals)
        {
            var unknown = external.Scores.Keys.Select(IdOf).Distinct(StringComparer.Ordinal).Where(id => !ids.Contains(id)).Order(StringComparer.Ordinal).ToList();
            if (unknown.Count > 0)
            {
                var named = string.Join(", ", unknown.Take(NamedIds).Select(id => $"'{id}'"));
                var more = unknown.Count > NamedIds ? $" and {unknown.Count - NamedIds} more" : string.Empty;
                warnings.Add($"external evaluator '{external.Name}': {unknown.Count} score{(unknown.Count == 1 ? string.Empty : "s")} in {external.File} match no datapoint: {named}{more} (a typo, or a removed datapoint?)");
            }
        }

        return warnings;
    }

    public ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, object?>();
        var found = scores.TryGetValue(Key(context.Datapoint.Id, context.Log.ModelConfig), out var row) || scores.TryGetValue(context.Datapoint.Id, out row);
        foreach (var column in columns)
        {
            values[column.Name] = found ? row!.GetValueOrDefault(column.Name) : null;
        }

        values["found"] = found;
        if (byReviewer)
        {
            values[ExternalJoin.ReviewersColumn] = found ? row!.GetValueOrDefault(ExternalJoin.ReviewersColumn) : 0L;
        }
        return ValueTask.FromResult<IReadOnlyDictionary<string, object?>>(values);
    }
}
