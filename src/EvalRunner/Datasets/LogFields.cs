namespace EvalRunner.Datasets;

/// <summary>The log fields of one datapoint while it is parsed: a response generated elsewhere and what is known about it.</summary>
internal sealed class LogFields
{
    public string? Response { get; set; }

    public string? Model { get; set; }

    public double? LatencyMs { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public double? CostUsd { get; set; }

    public DateTimeOffset? Timestamp { get; set; }

    public List<Logs.TrajectoryStep>? Steps { get; set; }

    public string? TraceId { get; set; }

    public string? SpanId { get; set; }

    public string? ResponseId { get; set; }

    /// <summary>The first log field given besides the response, for the error when there is no response.</summary>
    public string? Given { get; set; }
}
