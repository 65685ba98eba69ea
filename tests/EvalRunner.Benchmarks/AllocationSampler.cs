using System.Diagnostics.Tracing;
using System.Globalization;

namespace EvalRunner.Benchmarks;

/// <summary>
/// Where the engine's bytes go: the runtime's allocation ticks (one event about every 100 KB allocated, naming the type
/// that crossed the mark) summed by type, apart for large objects, in the phase the run is in when they come.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Lock _lock = new();
    private readonly Dictionary<(int Phase, string Type, bool Large), long> _bytes = [];

    /// <summary>The run's phase now: 0 before the first row, 1 during the rows, 2 after the last one.</summary>
    public Func<int> Phase { get; set; } = () => 0;

    public bool Enabled { get; set; }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        // GCAllocationTick_V4: AllocationAmount, AllocationKind (1 = large object heap), ..., TypeName, ..., AllocationAmount64.
        if (!Enabled || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.PayloadNames is not { } names)
        {
            return;
        }

        var type = eventData.Payload![names.IndexOf("TypeName")] as string ?? "?";
        var large = Convert.ToInt32(eventData.Payload[names.IndexOf("AllocationKind")], CultureInfo.InvariantCulture) == 1;
        var amount = names.IndexOf("AllocationAmount64") is var at and >= 0
            ? Convert.ToInt64(eventData.Payload[at], CultureInfo.InvariantCulture)
            : Convert.ToInt64(eventData.Payload[names.IndexOf("AllocationAmount")], CultureInfo.InvariantCulture);
        lock (_lock)
        {
            var key = (Phase(), type, large);
            _bytes[key] = _bytes.GetValueOrDefault(key) + amount;
        }
    }

    /// <summary>The types that took the most bytes in each phase, per datapoint.</summary>
    public string Report(int datapoints, int top = 12)
    {
        lock (_lock)
        {
            var lines = new List<string>();
            string[] phases = ["before the first row", "during the rows", "after the last row"];
            for (var phase = 0; phase < phases.Length; phase++)
            {
                var entries = _bytes.Where(e => e.Key.Phase == phase).ToList();
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {phases[phase]}: {entries.Sum(e => e.Value) / 1048576.0:0.0} MB sampled ({entries.Sum(e => e.Value) / (double)datapoints:0} bytes per datapoint)"));
                lines.AddRange(entries.OrderByDescending(e => e.Value).Take(top).Select(e =>
                    string.Create(CultureInfo.InvariantCulture, $"    {e.Value / (double)datapoints,10:0} B/datapoint  {(e.Key.Large ? "[large] " : string.Empty)}{e.Key.Type}")));
            }

            return string.Join('\n', lines);
        }
    }
}
