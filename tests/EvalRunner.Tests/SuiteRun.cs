using System.Text.Json;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests;

/// <summary>
/// The one way tests run a suite: load it, run it through <see cref="RunEngine"/>, read its rows back from
/// results.jsonl. A change of the engine's API touches this fixture only.
/// </summary>
internal sealed record SuiteRun
{
    /// <summary>The suite as loaded.</summary>
    public required Suite Suite { get; init; }

    /// <summary>The run's result, as the engine returned it.</summary>
    public required RunResult Result { get; init; }

    /// <summary>Every row of results.jsonl, in file order, parsed and cloned.</summary>
    public required IReadOnlyList<JsonElement> Rows { get; init; }

    /// <summary>The output directory: results.jsonl and run.json.</summary>
    public required string Directory { get; init; }

    public void Deconstruct(out RunResult result, out IReadOnlyList<JsonElement> rows)
    {
        result = Result;
        rows = Rows;
    }

    public void Deconstruct(out Suite suite, out RunResult result, out IReadOnlyList<JsonElement> rows)
    {
        suite = Suite;
        (result, rows) = this;
    }

    /// <summary>Runs the suite at <paramref name="suitePath"/>; rows go to <c>out/</c> beside the suite.</summary>
    public static Task<SuiteRun> RunAsync(string suitePath, Settings settings, CancellationToken cancellationToken) =>
        RunAsync(suitePath, settings, new SuiteRunOptions(), cancellationToken);

    /// <summary>
    /// Runs the suite at <paramref name="suitePath"/>. Rows go to <c>out/</c> beside the suite unless the request
    /// names an output directory.
    /// </summary>
    public static Task<SuiteRun> RunAsync(string suitePath, Settings settings, RunRequest? request, CancellationToken cancellationToken) =>
        RunAsync(suitePath, settings, new SuiteRunOptions { Request = request }, cancellationToken);

    /// <summary>Runs the suite at <paramref name="suitePath"/> with C# evaluators or an injected clock.</summary>
    public static async Task<SuiteRun> RunAsync(string suitePath, Settings settings, SuiteRunOptions options, CancellationToken cancellationToken)
    {
        var suite = SuiteLoader.Load(suitePath, settings, options.Evaluators ?? []);
        var output = string.IsNullOrEmpty(options.Request?.OutputDirectory)
            ? Path.Combine(Path.GetDirectoryName(suitePath)!, "out")
            : options.Request.OutputDirectory;
        var request = (options.Request ?? new RunRequest { OutputDirectory = output }) with { OutputDirectory = output };
        var result = await new RunEngine(settings, options.TimeProvider).RunAsync(suite, request, cancellationToken);
        var resultsPath = Path.Combine(output, "results.jsonl");
        IReadOnlyList<JsonElement> rows = File.Exists(resultsPath) ? [.. File.ReadLines(resultsPath).Select(Parse)] : [];
        return new SuiteRun { Suite = suite, Result = result, Rows = rows, Directory = output };
    }

    /// <summary>Writes <paramref name="yaml"/> as <c>suite.eval.yaml</c> in <paramref name="dir"/> and runs it with <see cref="TestSettings"/>.</summary>
    public static Task<SuiteRun> RunAsync(TempDirectory dir, string yaml, CancellationToken cancellationToken) =>
        RunAsync(dir, yaml, TestSettings.With(), null, cancellationToken);

    /// <summary>Writes <paramref name="yaml"/> as <c>suite.eval.yaml</c> in <paramref name="dir"/> and runs it.</summary>
    public static Task<SuiteRun> RunAsync(TempDirectory dir, string yaml, Settings settings, RunRequest? request, CancellationToken cancellationToken) =>
        RunAsync(dir.File("suite.eval.yaml", yaml), settings, request, cancellationToken);

    private static JsonElement Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }
}
