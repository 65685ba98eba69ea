using System.Net.Http.Headers;
using EvalRunner.Suites;
using OpenTelemetry.Exporter;

namespace EvalRunner.Cli.Telemetry;

/// <summary>
/// Where OpenTelemetry leaves the process: one OTLP/HTTP (protobuf) endpoint and its headers, for every signal
/// (evaluation events on <c>v1/logs</c>, metrics on <c>v1/metrics</c>). From <c>--otlp</c>, else the suite's
/// <c>export:</c> section.
/// </summary>
internal sealed record OtlpExportOptions
{
    /// <summary>The logs signal's path under the endpoint.</summary>
    public const string Logs = "v1/logs";

    /// <summary>The metrics signal's path under the endpoint.</summary>
    public const string Metrics = "v1/metrics";

    /// <summary>How long one export may take before it counts as failed.</summary>
    public static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The collector's base URL (<c>http://collector:4318/</c>).</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>Headers sent with every export; their values are secrets, known to the settings' redaction.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The export options for <paramref name="option"/> (<c>--otlp URL</c>, which replaces the suite's section and its
    /// headers), else the suite's <c>export:</c>; null when neither says where. A bad URL is a <paramref name="problem"/>.
    /// </summary>
    public static OtlpExportOptions? From(string? option, ExportOptions? suite, Settings settings, out string? problem)
    {
        problem = null;
        if (option is not null)
        {
            if (!Uri.TryCreate(option, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                // Shown as typed unless it carries credentials (user info, a query).
                var shown = uri is null || (uri.UserInfo.Length == 0 && uri.Query.Length == 0) ? option : Redactor.ShowUrl(uri);
                problem = settings.Redact($"--otlp '{shown}' is not an http(s) URL such as http://localhost:4318");
                return null;
            }

            settings.AddSecretsOf(uri);
            return new OtlpExportOptions { Endpoint = uri };
        }

        return suite?.Otlp is { } endpoint ? new OtlpExportOptions { Endpoint = endpoint, Headers = suite.Headers } : null;
    }

    /// <summary>
    /// The URL of one signal (<see cref="Logs"/>, <see cref="Metrics"/>): the endpoint with the signal's path added, as
    /// OTEL_EXPORTER_OTLP_ENDPOINT is read; an endpoint that already ends in the path is taken as it is.
    /// </summary>
    public Uri SignalUrl(string signal)
    {
        var path = Endpoint.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/" + signal, StringComparison.Ordinal))
        {
            return Endpoint;
        }

        return new UriBuilder(Endpoint) { Path = path + "/" + signal }.Uri;
    }

    /// <summary>
    /// Points an OTLP exporter of the OpenTelemetry SDK at <paramref name="signal"/>: HTTP/protobuf, the headers, the
    /// export timeout, and an HTTP client over <paramref name="handler"/> when given (to watch each export).
    /// </summary>
    public void Apply(OtlpExporterOptions options, string signal, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Endpoint = SignalUrl(signal);
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.TimeoutMilliseconds = (int)ExportTimeout.TotalMilliseconds;
        options.HttpClientFactory = () => CreateClient(handler);
    }

    /// <summary>An HTTP client that sends the headers with every request.</summary>
    public HttpClient CreateClient(HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        client.Timeout = ExportTimeout;
        foreach (var (name, value) in Headers)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        }

        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("evalrunner", typeof(OtlpExportOptions).Assembly.GetName().Version?.ToString(3)));
        return client;
    }

    /// <summary>The logs URL as it may be shown (no credentials).</summary>
    public string Shown(string signal) => Redactor.ShowUrl(SignalUrl(signal));
}
