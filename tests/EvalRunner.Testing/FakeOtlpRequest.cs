namespace EvalRunner.Testing;

/// <summary>One OTLP/HTTP export as the receiver got it.</summary>
public sealed record FakeOtlpRequest
{
    /// <summary><c>/v1/logs</c> or <c>/v1/metrics</c>.</summary>
    public required string Path { get; init; }

    public required string? ContentType { get; init; }

    /// <summary>The request headers, by lower-case name.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    /// <summary>The body as it came over the wire (an ExportLogsServiceRequest or ExportMetricsServiceRequest in protobuf).</summary>
    public required byte[] Body { get; init; }

    /// <summary>The status the receiver answered.</summary>
    public required int Status { get; init; }
}
