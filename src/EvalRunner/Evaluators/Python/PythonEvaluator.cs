using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EvalRunner.Evaluators;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Evaluators.Python;

internal sealed class PythonKind : EvaluatorKind
{
    public override string Type => "python";

    public override string[] Options => ["file", "code", "python", "timeout", "columns", "needs_expected", "workers"];

    public override IReadOnlyList<Column>? ColumnsOf(YamlMap spec) => ColumnReader.ReadColumns(spec, "columns", allowRange: false);

    public override EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context)
    {
        string? file = null;
        string? code = null;
        SourceLocation firstLine;
        string shownName;
        var lineOffset = 0;
        if (spec.String("file") is { } relative)
        {
            if (spec.Has("code"))
            {
                throw spec.Error("code", "give either 'file' or 'code', not both");
            }

            file = context.Paths.Resolve(spec, "file", relative);
            if (!File.Exists(file))
            {
                throw spec.Error("file", $"Python file '{relative}' not found (looked for {file})");
            }

            firstLine = new SourceLocation(relative, 1);
            shownName = Path.GetRelativePath(context.Directory, file);
        }
        else if (spec.String("code") is { } inline)
        {
            // Errors in inline code point back into the suite.
            code = inline;
            var node = (YamlScalarNode)spec.Node("code")!;
            firstLine = new SourceLocation(spec.File, (int)node.Start.Line + (node.Style is ScalarStyle.Literal or ScalarStyle.Folded ? 1 : 0), Field: spec.Join("code"));
            shownName = Path.GetRelativePath(context.Directory, Path.GetFullPath(spec.File));
            lineOffset = firstLine.Line - 1;
        }
        else
        {
            throw new SuiteException(spec.Here with { Field = spec.Join("file") }, "'file' or 'code' is required: Python that defines main(input, output, context, full_history, generated_response, **kwargs)");
        }

        return new PythonSpec
        {
            Name = name,
            Python = spec.String("python") ?? "python3",
            PythonLocation = spec.Has("python") ? spec.LocationOf("python") : spec.Here with { Field = spec.Join("python") },
            WorkingDirectory = context.Directory,
            FilePath = file,
            Code = code,
            SourceKey = spec.LocationOf(file is null ? "code" : "file"),
            FirstLine = firstLine,
            ShownName = shownName,
            LineOffset = lineOffset,
            Timeout = spec.Duration("timeout") ?? TimeSpan.FromSeconds(30),
            Columns = ColumnReader.ReadColumns(spec, "columns", allowRange: false) ?? [],
            Expected = spec.Bool("needs_expected") ?? false,
            Workers = Workers(spec),
        };
    }

    // Each worker is a process: the default uses every core; 1 keeps a main() that shares state between calls in one process.
    private static int Workers(YamlMap spec) => spec.Int("workers", 1, 256) ?? Environment.ProcessorCount;
}

/// <summary>
/// What a suite says about a <c>python</c> evaluator. The interpreter is looked up and <c>main()</c> checked in the
/// check phase; a run starts its own worker.
/// </summary>
internal sealed record PythonSpec : EvaluatorSpec
{
    /// <summary>The interpreter as written: a name on PATH or a path relative to the suite.</summary>
    public required string Python { get; init; }

    /// <summary>Where the suite gives the interpreter (or would), for its "not found" error.</summary>
    public required SourceLocation PythonLocation { get; init; }

    /// <summary>The suite's directory: the worker runs there and relative paths resolve against it.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>The Python file's full path; null for inline <see cref="Code"/>.</summary>
    public string? FilePath { get; init; }

    /// <summary>Inline code; null for a <see cref="FilePath"/>.</summary>
    public string? Code { get; init; }

    /// <summary>The <c>file:</c> or <c>code:</c> key, for errors about loading the code.</summary>
    public required SourceLocation SourceKey { get; init; }

    /// <summary>Where line 1 of the Python source is: line n of the source maps to this line + n - 1.</summary>
    public required SourceLocation FirstLine { get; init; }

    /// <summary>How tracebacks name the source: its path relative to the suite (the suite file for inline code).</summary>
    public required string ShownName { get; init; }

    /// <summary>Lines of <see cref="ShownName"/> before the source's line 1 (inline code starts inside the suite).</summary>
    public int LineOffset { get; init; }

    /// <summary>
    /// <c>needs_expected: true</c>: <c>main()</c> compares with <c>output</c> (the expected answer), so logs without
    /// one are refused at the check. Declared, not guessed: every <c>main()</c> receives <c>output</c>, used or not.
    /// </summary>
    public bool Expected { get; init; }

    internal override bool NeedsExpected => Expected;

    /// <summary>
    /// How many Python processes may evaluate at once (<c>workers:</c>; default the number of cores). Each is its own
    /// process, so <c>main()</c> must not rely on state shared between calls; <c>workers: 1</c> keeps one process.
    /// </summary>
    public required int Workers { get; init; }

    /// <summary>The longest one call of <c>main()</c> may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    internal override async Task CheckAsync(Settings settings, CancellationToken cancellationToken)
    {
        var interpreter = Interpreter(settings);
        JsonElement status;
        try
        {
            status = await PythonWorker.CheckAsync(interpreter, Source(), WorkingDirectory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or JsonException or CliWrap.Exceptions.CliWrapException or System.ComponentModel.Win32Exception)
        {
            throw new SuiteException(SourceKey, $"could not load the evaluator with {Python}: {ex.Message}");
        }

        if (!status.GetProperty("ready").GetBoolean())
        {
            // The worker counts lines in the shown file: inline code's lines are already the suite's.
            var line = status.TryGetProperty("line", out var at) && at.ValueKind == JsonValueKind.Number ? at.GetInt32() : FirstLine.Line;
            throw new SuiteException(FirstLine with { Line = line }, $"python evaluator '{Name}': {status.GetProperty("error").GetString()}");
        }
    }

    internal override IEvaluator Build(RunServices services) =>
        new PythonEvaluator(Name, Columns, new PythonPool(Interpreter(services.Settings), Source(), WorkingDirectory, Timeout, Workers));

    private string Interpreter(Settings settings) =>
        SpecReader.ResolveExecutable(Python, WorkingDirectory, settings)
        ?? throw new SuiteException(PythonLocation, $"Python interpreter '{Python}' not found (not a file relative to the suite, nor on PATH); set 'python:' to your interpreter, for example .venv/bin/python");

    private PythonSource Source() => new() { File = SourceFile(), ShownName = ShownName, LineOffset = LineOffset };

    /// <summary>The file the worker runs: the Python file, or inline code written to a temporary file of its own.</summary>
    private string SourceFile()
    {
        if (FilePath is not null)
        {
            return FilePath;
        }

        var file = Path.Combine(Path.GetTempPath(), $"evalrunner-{Name}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Code!)))[..12]}.py");
        File.WriteAllText(file, Code);
        return file;
    }
}

/// <summary>
/// <c>type: python</c> — a file or inline code defining
/// <c>main(input, output, context, full_history, generated_response, **kwargs) -> dict</c>; the dict's keys are columns.
/// </summary>
internal sealed class PythonEvaluator(string name, IReadOnlyList<Column> columns, PythonPool workers) : IEvaluator, IAsyncDisposable
{
    public string Name { get; } = name;

    public IReadOnlyList<Column> Columns { get; } = columns;

    public async ValueTask<IReadOnlyDictionary<string, object?>> EvaluateAsync(EvaluationContext context, CancellationToken cancellationToken)
    {
        var datapoint = context.Datapoint;
        var args = new Dictionary<string, object?>
        {
            // The argument shapes of the reference documents: input and output are messages with content and role.
            ["input"] = new Dictionary<string, string> { ["content"] = datapoint.Input, ["role"] = "human" },
            ["output"] = new Dictionary<string, string> { ["content"] = datapoint.ExpectedText, ["role"] = "ai" },
            ["context"] = datapoint.Context,
            ["full_history"] = datapoint.FullHistory,
            ["generated_response"] = context.GeneratedResponse,
            ["id"] = datapoint.Id,
            ["messages"] = Datasets.ToolCallJson.MessagesElement(datapoint.Messages),
            ["expected"] = datapoint.Expected,
            ["tags"] = datapoint.Tags,
            ["model_config"] = context.Log.ModelConfig,
            ["tool_calls"] = context.Log.ToolCalls.Select(step => new Dictionary<string, object?>
            {
                ["name"] = step.Name,
                ["arguments"] = step.Arguments,
                ["result"] = step.Result,
                ["error"] = step.Error,
            }).ToList(),
            ["trajectory"] = (context.Log.Steps ?? []).Select(Step).ToList(),
        };
        var result = await workers.CallAsync(args, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, object?>();
        foreach (var property in result.EnumerateObject())
        {
            values[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Number when IsInteger(property.Value) => property.Value.GetInt64(),
                JsonValueKind.Number => property.Value.GetDouble(),
                _ => null,
            };
        }

        return values;
    }

    // A step as results.jsonl writes it (log.steps), every key present: None where results.jsonl has null.
    private static Dictionary<string, object?> Step(TrajectoryStep step) => new()
    {
        ["kind"] = step.Kind == StepKind.Model ? "model" : "tool",
        ["name"] = step.Name,
        ["call_id"] = step.CallId,
        ["arguments"] = step.Arguments,
        ["result"] = step.Result,
        ["error"] = step.Error,
        ["cut"] = step.Cut,
        ["latency_ms"] = step.LatencyMs,
        ["input_tokens"] = step.InputTokens,
        ["output_tokens"] = step.OutputTokens,
    };

    private static bool IsInteger(JsonElement number) =>
        number.TryGetInt64(out _) && !number.GetRawText().AsSpan().ContainsAny('.', 'e', 'E');

    public ValueTask DisposeAsync() => workers.DisposeAsync();
}
