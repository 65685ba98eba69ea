namespace EvalRunner.Evaluators.Python;

/// <summary>The Python source a worker loads, and how its tracebacks and errors name it.</summary>
internal sealed record PythonSource
{
    /// <summary>The file the worker loads: the evaluator's file, or inline code written to a temporary file.</summary>
    public required string File { get; init; }

    /// <summary>The name shown in tracebacks: the file's path relative to the suite, or the suite file for inline code.</summary>
    public required string ShownName { get; init; }

    /// <summary>Lines before line 1 of the source in <see cref="ShownName"/> (inline code starts inside the suite file).</summary>
    public int LineOffset { get; init; }

    /// <summary>The worker's arguments for this source.</summary>
    public IEnumerable<string> Arguments => [File, "--name", ShownName, "--offset", LineOffset.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
