namespace EvalRunner.Suites;

/// <summary>
/// The suite's <c>export:</c> section: where evaluation results go as OpenTelemetry (OTLP/HTTP) besides the results
/// folder. Data only; the CLI exports.
/// </summary>
internal sealed record ExportOptions
{
    /// <summary>The OTLP/HTTP endpoint (a collector's base URL, <c>http://collector:4318</c>); null for none.</summary>
    public Uri? Otlp { get; init; }

    /// <summary>Headers sent with every export (an API key, <c>Authorization</c>); every value is a secret.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}
