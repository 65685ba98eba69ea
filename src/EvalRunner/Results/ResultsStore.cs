using System.Buffers;
using System.Text.Json;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;

namespace EvalRunner.Results;

/// <summary>
/// The one reader and writer of a run's files: <c>results.jsonl</c> (a row per line, written as each row finishes)
/// and <c>run.json</c> (the decided run). Runs, resume, the console and every report go through it; the JSON shape
/// is the source-generated <see cref="ResultsJson"/> contract. Text is passed through <see cref="Settings.Redact"/>
/// here, where it is written, so no secret reaches a file whichever part produced it.
/// </summary>
internal static class ResultsStore
{
    public const string RowsFile = "results.jsonl";
    public const string RunFile = "run.json";

    /// <summary>The folder a suite's results go to: its name with anything but letters, digits and <c>-_.</c> as <c>-</c>.</summary>
    public static string FolderName(string suite) =>
        string.Concat(suite.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-'));

    /// <summary>The folder of a suite's results inside <paramref name="root"/>, the same for every front end.</summary>
    public static string SuiteDirectory(string root, string suite) => Path.Combine(root, FolderName(suite));

    /// <summary>Writes one row as one line, with its newline, to <paramref name="buffer"/>.</summary>
    /// <param name="buffer">Where the line goes.</param>
    /// <param name="row">The row.</param>
    /// <param name="settings">What to redact; null for nothing.</param>
    /// <param name="repeated">Whether the run repeats its trials (<c>run.repeat</c> above 1): every row then says its trial, the first too.</param>
    public static void WriteLine(IBufferWriter<byte> buffer, Row row, Settings? settings, bool repeated)
    {
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = ResultsJson.Encoder, SkipValidation = true }))
        {
            JsonSerializer.Serialize(writer, RowRecord.From(row, settings, repeated), ResultsJson.Default.RowRecord);
        }

        buffer.Write("\n"u8);
    }

    /// <summary>A row as indented JSON, for a test's output.</summary>
    public static string RowText(Row row, Settings? settings) =>
        JsonSerializer.Serialize(RowRecord.From(row, settings, repeated: row.Trial > 1), ResultsJson.Indented.RowRecord);

    /// <summary>The rows of a run directory; a line that is not a whole row (the cut last line of a killed run) is skipped.</summary>
    public static IEnumerable<Row> ReadRows(string directory, string file = RowsFile)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            yield break;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (ReadRow(line) is { } row)
            {
                yield return row;
            }
        }
    }

    /// <summary>
    /// The rows of a run directory for <c>--resume</c>, with a warning for each line that is not a whole row (the last
    /// line of a run killed while writing it, or a damaged line): such a line is dropped and its datapoint runs again.
    /// </summary>
    public static (List<Row> Rows, List<string> Warnings) ReadRowsToResume(string directory)
    {
        var rows = new List<Row>();
        var warnings = new List<string>();
        var path = Path.Combine(directory, RowsFile);
        if (!File.Exists(path))
        {
            return (rows, warnings);
        }

        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (ReadRow(line) is { } row)
            {
                rows.Add(row);
            }
            else if (line.Length > 0)
            {
                warnings.Add($"{path}:{number}: not a whole row (cut off when the earlier run stopped); it was dropped and its datapoint ran again");
            }
        }

        return (rows, warnings);
    }

    /// <summary>A row back from its line, or null for a line that is not a whole row.</summary>
    public static Row? ReadRow(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, ResultsJson.Default.RowRecord)?.ToRow();
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes <c>run.json</c> into the result's output directory: aside first, then moved into place, so a crash never
    /// leaves half of one.
    /// </summary>
    /// <returns>The result as written: every string redacted.</returns>
    /// <exception cref="ResultsWriteException">The file could not be written (a full disk, a read-only folder).</exception>
    public static async Task<RunResult> WriteRunAsync(RunResult result, Settings? settings, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToNode(result, ResultsJson.Indented.RunResult)!;
        settings?.Redactor.Redact(json);
        var path = Path.Combine(result.OutputDirectory, RunFile);
        try
        {
            await AtomicFile.WriteAsync(
                path,
                async (stream, token) =>
                {
                    var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = ResultsJson.Encoder });
                    await using (writer.ConfigureAwait(false))
                    {
                        json.WriteTo(writer);
                        await writer.FlushAsync(token).ConfigureAwait(false);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ResultsWriteException.IsFileFailure(ex))
        {
            throw new ResultsWriteException(path, ex);
        }

        return json.Deserialize(ResultsJson.Indented.RunResult)! with { OutputDirectory = result.OutputDirectory };
    }

    /// <summary>Reads the <c>run.json</c> of a run directory.</summary>
    /// <exception cref="FileNotFoundException">There is no run.json.</exception>
    /// <exception cref="JsonException">run.json is not a run.</exception>
    public static async Task<RunResult> ReadRunAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, RunFile);
        var stream = File.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            RunResult? result;
            try
            {
                result = await JsonSerializer.DeserializeAsync(stream, ResultsJson.Indented.RunResult, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                // The message names the file and line; the serializer's own names only the line.
                throw new JsonException($"{path}:{(ex.LineNumber ?? 0) + 1}: not a run ({ex.Message.Split(" Path:")[0]})", ex);
            }

            return (result ?? throw new JsonException($"{path}: holds no run")) with { OutputDirectory = directory };
        }
    }

    /// <summary>
    /// The run directories under <paramref name="directory"/>: the directory itself when it holds a run.json, else each
    /// subdirectory that does (the CLI writes one per suite), ordered by name.
    /// </summary>
    public static IReadOnlyList<string> FindRuns(string directory) =>
        File.Exists(Path.Combine(directory, RunFile))
            ? [directory]
            : Directory.Exists(directory)
                ? [.. Directory.GetDirectories(directory).Where(d => File.Exists(Path.Combine(d, RunFile))).Order(StringComparer.Ordinal)]
                : [];

    /// <summary>One line of <c>results.jsonl</c>: the file's shape, kept apart from <see cref="Row"/> so that the file format is one contract.</summary>
    internal sealed record RowRecord
    {
        public required string DatapointId { get; init; }

        public required string ModelConfig { get; init; }

        /// <summary>The trial of a repeated run, on every row of one; absent (read as 1) when the suite runs each datapoint once.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public int? Trial { get; init; }

        public required Outcome Outcome { get; init; }

        public string Input { get; init; } = string.Empty;

        public string Expected { get; init; } = string.Empty;

        public IReadOnlyList<string> Tags { get; init; } = [];

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? Location { get; init; }

        public required LogRecord Log { get; init; }

        public Dictionary<string, Dictionary<string, object?>> Evaluations { get; init; } = [];

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public Dictionary<string, RunError>? EvaluationErrors { get; init; }

        public IReadOnlyList<string> FailedRules { get; init; } = [];

        public RunError? Error { get; init; }

        /// <summary>When the watcher read the log (from its file, or when it was pushed); absent for a run's rows.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public DateTimeOffset? ArrivedAt { get; init; }

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public DateTimeOffset? EvaluatedAt { get; init; }

        public static RowRecord From(Row row, Settings? settings, bool repeated)
        {
            string Clean(string text) => settings?.Redact(text) ?? text;
            RunError? CleanError(RunError? error) => error is null ? null : error with { Message = Clean(error.Message) };
            TrajectoryStep CleanStep(TrajectoryStep step) => settings is null ? step : step with
            {
                Name = step.Name is { } name ? Clean(name) : null,
                CallId = step.CallId is { } id ? Clean(id) : null,
                Arguments = step.Arguments is { } arguments ? CleanJson(arguments) : null,
                Result = step.Result is { } result ? Clean(result) : null,
                Error = step.Error is { } failure ? Clean(failure) : null,
            };
            JsonElement CleanJson(JsonElement value)
            {
                var raw = value.GetRawText();
                var clean = Clean(raw);
                if (ReferenceEquals(raw, clean) || raw == clean)
                {
                    return value;
                }

                try
                {
                    return JsonDocument.Parse(clean).RootElement.Clone();
                }
                catch (JsonException)
                {
                    return JsonSerializer.SerializeToElement(clean, ResultsJson.Default.String);
                }
            }

            var evaluations = new Dictionary<string, Dictionary<string, object?>>(row.Evaluations.Count, StringComparer.Ordinal);
            Dictionary<string, RunError>? errors = null;
            foreach (var evaluation in row.Evaluations)
            {
                if (evaluation.Error is { } error)
                {
                    (errors ??= new(StringComparer.Ordinal))[evaluation.Evaluator] = CleanError(error)!;
                    continue;
                }

                var values = new Dictionary<string, object?>(evaluation.Values.Count, StringComparer.Ordinal);
                foreach (var (name, value) in evaluation.Values)
                {
                    values[name] = value switch
                    {
                        string text => Clean(text),
                        double number when !double.IsFinite(number) => null,
                        float number when !float.IsFinite(number) => null,
                        _ => value,
                    };
                }

                evaluations[evaluation.Evaluator] = values;
            }

            return new RowRecord
            {
                DatapointId = Clean(row.DatapointId),
                ModelConfig = Clean(row.ModelConfig),
                Trial = repeated || row.Trial != 1 ? row.Trial : null,
                Outcome = row.Outcome,
                Input = Clean(row.Input),
                Expected = Clean(row.Expected),
                Tags = settings is null ? row.Tags : [.. row.Tags.Select(Clean)],
                Location = row.Location is { } location ? Clean(location) : null,
                Log = new LogRecord
                {
                    Model = row.Log.Model is { } model ? Clean(model) : null,
                    GeneratedResponse = row.Log.Response is { } response ? Clean(response) : null,
                    LatencyMs = row.Log.LatencyMs is { } latency ? Math.Round(latency, 3) : null,
                    InputTokens = row.Log.InputTokens,
                    OutputTokens = row.Log.OutputTokens,
                    CacheHit = row.Log.CacheHit,
                    CostUsd = row.Log.CostUsd is { } cost ? Math.Round(cost, 8) : null,
                    Status = row.Log.Status,
                    TruncatedOutput = row.Log.TruncatedOutput,
                    OutputSha256 = row.Log.OutputSha256,
                    Supplied = row.Log.Supplied,
                    Timestamp = row.Log.Timestamp,
                    TraceId = row.Log.TraceId,
                    SpanId = row.Log.SpanId,
                    ResponseId = row.Log.ResponseId is { } responseId ? Clean(responseId) : null,
                    Error = CleanError(row.Log.Error),
                    Steps = row.Log.Steps is { } steps ? [.. steps.Select(CleanStep)] : null,
                },
                Evaluations = evaluations,
                EvaluationErrors = errors,
                FailedRules = settings is null ? row.FailedRules : [.. row.FailedRules.Select(Clean)],
                Error = CleanError(row.Error),
                ArrivedAt = row.ArrivedAt,
                EvaluatedAt = row.EvaluatedAt,
            };
        }

        public Row ToRow()
        {
            var evaluations = new List<Evaluation>(Evaluations.Count + (EvaluationErrors?.Count ?? 0));
            foreach (var (name, values) in Evaluations)
            {
                evaluations.Add(new Evaluation { Evaluator = name, Values = values.ToDictionary(v => v.Key, v => Value(v.Value), StringComparer.Ordinal) });
            }

            foreach (var (name, error) in EvaluationErrors ?? [])
            {
                evaluations.Add(new Evaluation { Evaluator = name, Error = error });
            }

            return new Row
            {
                DatapointId = DatapointId,
                ModelConfig = ModelConfig,
                Trial = Trial is > 1 ? Trial.Value : 1,
                Outcome = Outcome,
                Input = Input,
                Expected = Expected,
                Tags = Tags,
                Location = Location,
                Log = new Log
                {
                    ModelConfig = ModelConfig,
                    Model = Log.Model,
                    Response = Log.GeneratedResponse,
                    LatencyMs = Log.LatencyMs,
                    InputTokens = Log.InputTokens,
                    OutputTokens = Log.OutputTokens,
                    CacheHit = Log.CacheHit,
                    CostUsd = Log.CostUsd,
                    Status = Log.Status,
                    TruncatedOutput = Log.TruncatedOutput,
                    OutputSha256 = Log.OutputSha256,
                    Supplied = Log.Supplied,
                    Timestamp = Log.Timestamp,
                    TraceId = Log.TraceId,
                    SpanId = Log.SpanId,
                    ResponseId = Log.ResponseId,
                    Error = Log.Error,
                    Steps = Log.Steps,
                },
                Evaluations = evaluations,
                FailedRules = FailedRules,
                Error = Error,
                ArrivedAt = ArrivedAt,
                EvaluatedAt = EvaluatedAt,
            };
        }

        /// <summary>A column value read back: bool, long, double or string, as evaluators return them.</summary>
        private static object? Value(object? value) => value is not JsonElement element ? value : element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number when element.TryGetInt64(out var integer) && !element.GetRawText().AsSpan().ContainsAny('.', 'e', 'E') => integer,
            JsonValueKind.Number => element.GetDouble(),
            _ => null,
        };
    }

    /// <summary>The <c>log</c> of a line of <c>results.jsonl</c>.</summary>
    internal sealed record LogRecord
    {
        public string? Model { get; init; }

        public string? GeneratedResponse { get; init; }

        /// <summary>Null when the log did not say (a response supplied without its latency).</summary>
        public double? LatencyMs { get; init; }

        public long? InputTokens { get; init; }

        public long? OutputTokens { get; init; }

        public bool CacheHit { get; init; }

        public double? CostUsd { get; init; }

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public LogStatus? Status { get; init; }

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
        public bool TruncatedOutput { get; init; }

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? OutputSha256 { get; init; }

        /// <summary>True when the response came with the dataset (logs generated elsewhere).</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
        public bool Supplied { get; init; }

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public DateTimeOffset? Timestamp { get; init; }

        /// <summary>The trace and span of a supplied response, and the provider's id of it, when its log said.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? TraceId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? SpanId { get; init; }

        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public string? ResponseId { get; init; }

        public RunError? Error { get; init; }

        /// <summary>The trajectory of a generation that could use tools; absent otherwise.</summary>
        [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        public IReadOnlyList<TrajectoryStep>? Steps { get; init; }
    }
}
