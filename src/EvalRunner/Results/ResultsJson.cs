using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using EvalRunner.Generation;
using EvalRunner.Logs;

namespace EvalRunner.Results;

/// <summary>The source-generated JSON contract of <c>results.jsonl</c> and <c>run.json</c>: snake_case names and values.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(SnakeCaseEnum<Outcome>), typeof(SnakeCaseEnum<Verdict>), typeof(SnakeCaseEnum<VerdictReasonKind>), typeof(SnakeCaseEnum<ErrorKind>), typeof(SnakeCaseEnum<Logs.LogStatus>), typeof(SnakeCaseEnum<Logs.StepKind>), typeof(SnakeCaseEnum<Results.RuleDecision>)])]
[JsonSerializable(typeof(ResultsStore.RowRecord))]
[JsonSerializable(typeof(RunResult))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(string))]
internal sealed partial class ResultsJson : JsonSerializerContext
{
    /// <summary>Text stays readable (no \u escapes for accents or quotes); the files are data, never embedded in HTML as is.</summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The contract with indentation, for <c>run.json</c> and test output.</summary>
    public static ResultsJson Indented => IndentedContext.Value;

    // Built on first use: the generated default options are set by a static initializer in another part of this class.
    private static readonly Lazy<ResultsJson> IndentedContext = new(() => new(new JsonSerializerOptions(Default!.Options) { WriteIndented = true, Encoder = Encoder }));

    /// <summary>Enum values as snake_case strings (<c>cache_miss</c>).</summary>
    internal sealed class SnakeCaseEnum<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower)
        where TEnum : struct, Enum;
}
