
using EvalRunner.Generation;
using EvalRunner.Yaml;

namespace EvalRunner.Evaluators;

/// <summary>
/// One built-in evaluator kind as a part: its <c>type:</c>, the keys it allows and its YAML reader. Its file also
/// holds its spec (with its columns and factory) and its evaluator. Every non-abstract subclass in this assembly
/// with a parameterless constructor is a kind, so adding one is adding its file.
/// </summary>
internal abstract class EvaluatorKind
{
    private static readonly Lazy<IReadOnlyList<EvaluatorKind>> Discovered = new(() => Parts.Discover<EvaluatorKind>(k => k.Type));

    /// <summary>Every kind, by type.</summary>
    public static IReadOnlyList<EvaluatorKind> All => Discovered.Value;

    /// <summary>The types a suite may write after <c>type:</c>.</summary>
    public static IReadOnlyList<string> Types => [.. All.Select(k => k.Type)];

    /// <summary>The value of <c>type:</c>, for example <c>contains</c>.</summary>
    public abstract string Type { get; }

    /// <summary>The YAML keys the kind allows besides <c>type</c> and <c>name</c>.</summary>
    public virtual string[] Options => [];

    /// <summary>
    /// The columns an evaluator of this kind returns when they do not hang on its other options (null when they do),
    /// so that thresholds over an evaluator whose options are wrong are still checked in the same pass.
    /// </summary>
    /// <exception cref="SuiteException">The options that decide the columns are wrong.</exception>
    public virtual IReadOnlyList<Column>? ColumnsOf(YamlMap spec) => null;

    public static EvaluatorKind? Find(string type) => All.FirstOrDefault(k => k.Type == type);

    /// <summary>Reads the spec; data only: nothing is started, no file is written.</summary>
    public abstract EvaluatorSpec Read(YamlMap spec, string name, SuiteReadContext context);
}
