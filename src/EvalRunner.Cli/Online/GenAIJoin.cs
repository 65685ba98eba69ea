namespace EvalRunner.Cli.Online;

/// <summary>
/// Joins GenAI chat spans (<c>/v1/traces</c>) and their log events (<c>/v1/logs</c>), which arrive in separate
/// requests in either order, by trace id and span id. A call waits at most <see cref="HoldFor"/> for its other part,
/// and at most <see cref="MaxHeld"/> calls wait (the oldest ends first); the listener keeps them across restarts
/// (<see cref="GenAIJoinFile"/>). A call that has its span, a prompt and its completion still waits the grace period
/// for late events of it; an event of a call that ended is counted, not joined. A call whose time is over is evaluated
/// from its events alone when they hold a prompt and a completion, else not evaluated. The spans of an agent trace
/// (<see cref="GenAISpan.InTrace"/>) wait for the rest of their trace instead, and end together: one log once the agent
/// span has waited the grace period, or, without one, once no span of the trace arrived for <see cref="HoldFor"/>
/// (<see cref="GenAITraces"/>). Not thread-safe: the listener plans and commits one request at a time.
/// </summary>
internal sealed class GenAIJoin(TimeProvider time, TimeSpan grace)
{
    /// <summary>How long a span waits for its events, and events for their span.</summary>
    public static readonly TimeSpan HoldFor = TimeSpan.FromSeconds(30);

    /// <summary>The most calls that wait at once.</summary>
    public const int MaxHeld = 10_000;

    /// <summary>How many ended calls are remembered, so that a late event of one is counted rather than held alone.</summary>
    private const int MaxEnded = 10_000;

    private const int MaxServices = 1_000;

    private readonly Dictionary<string, GenAICall> _held = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);
    private readonly Queue<string> _endedOrder = new();
    private readonly HashSet<string> _servicesSendingEvents = new(StringComparer.Ordinal);

    public GenAIJoin(TimeProvider time)
        : this(time, LogListenerOptions.DefaultLateEventGrace)
    {
    }

    /// <summary>How long a call that looks complete waits for late events of it.</summary>
    public TimeSpan Grace => grace;

    public int Held => _held.Count;

    /// <summary>The calls waiting for their other parts or for late events.</summary>
    public IReadOnlyCollection<GenAICall> HeldCalls => _held.Values;

    /// <summary>The services known to send GenAI log events.</summary>
    public IReadOnlyCollection<string> ServicesSendingEvents => _servicesSendingEvents;

    /// <summary>Counts the commits that changed the held calls or the services: a change to save.</summary>
    public long Changes { get; private set; }

    /// <summary>Holds calls kept from an earlier run, with the times they first arrived (at most <see cref="MaxHeld"/> are kept).</summary>
    public void Restore(IEnumerable<GenAICall> calls, IEnumerable<string> services)
    {
        foreach (var call in calls.OrderByDescending(c => c.Since).Take(MaxHeld - _held.Count))
        {
            _held[call.Key] = call;
        }

        foreach (var service in services.Take(MaxServices - _servicesSendingEvents.Count))
        {
            _servicesSendingEvents.Add(service);
        }
    }

    /// <summary>Plans one request's chat spans and GenAI events.</summary>
    public GenAIPlan Offer(IReadOnlyList<GenAISpan> spans, IReadOnlyList<GenAIEvent> events)
    {
        var now = time.GetUtcNow();
        var plan = new GenAIPlan();
        var calls = new Dictionary<string, GenAICall>(StringComparer.Ordinal);
        var spanKeys = new HashSet<string>(StringComparer.Ordinal);
        GenAICall Find(string key) =>
            calls.TryGetValue(key, out var call) || _held.TryGetValue(key, out call) ? call : new GenAICall { Key = key, Since = now };

        foreach (var genAI in events)
        {
            if (genAI.Client.Service is { } service)
            {
                plan.Services.Add(service);
            }

            if (_ended.Contains(genAI.Key))
            {
                plan.Said.Add((genAI.Client, GenAIMissing.LateEvent));
                plan.LateLogRecords++;
                continue;
            }

            var call = Find(genAI.Key);
            calls[genAI.Key] = call with { Events = call.Events.Add(genAI) };
        }

        foreach (var span in spans)
        {
            if (span.InTrace && _ended.Contains(TraceKey(span.TraceId)))
            {
                // A late span of an agent trace that was evaluated: not evaluated again, nor alone.
                continue;
            }

            spanKeys.Add(span.Key);
            calls[span.Key] = Find(span.Key) with { Span = span };
        }

        var traces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var call in calls.Values)
        {
            if (call.Span is { InTrace: true } member)
            {
                // A span of an agent trace waits for the rest of its trace.
                plan.Updates[call.Key] = call;
                traces.Add(member.TraceId);
                continue;
            }

            var outcome = GenAICalls.Build(call, final: false);
            if (outcome.Waiting && call.Span is { } span && call.Events.IsEmpty && !ExpectsEvents(span.Client, plan))
            {
                // A client that puts messages on the span sent none: nothing will follow.
                outcome = new GenAIOutcome(null, GenAIMissing.SpanContent);
            }

            if (outcome.Waiting)
            {
                plan.Updates[call.Key] = call;
                continue;
            }

            if (grace > TimeSpan.Zero && (!call.Events.IsEmpty || call.Span is { } spanOnly && ExpectsEvents(spanOnly.Client, plan)))
            {
                // It looks complete: it waits the grace period for late events of it (the sweep ends it).
                plan.Updates[call.Key] = call with { Settled = call.Settled ?? now };
                continue;
            }

            End(plan, call, outcome);
            if (outcome.Log is null)
            {
                if (spanKeys.Contains(call.Key))
                {
                    plan.RejectedSpans++;
                }

                plan.RejectedLogRecords += events.Count(e => e.Key == call.Key);
                plan.Rejected ??= call.Client;
            }
        }

        foreach (var (trace, members) in Traces(plan, traces))
        {
            // The agent span ends last: once it is there, the trace waits the grace period for late spans of it.
            if (members.FirstOrDefault(m => m.Span!.Operation == GenAISpan.InvokeAgent) is { Settled: null } agent)
            {
                plan.Updates[agent.Key] = agent with { Settled = now };
                if (grace <= TimeSpan.Zero)
                {
                    EndTrace(plan, trace, members);
                }
            }
        }

        // Room for the new calls: the oldest waiting ones end first, held before, then this request's in arrival order.
        var excess = _held.Count + plan.Updates.Count(u => u.Value is not null && !_held.ContainsKey(u.Key)) - MaxHeld;
        if (excess > 0)
        {
            var waiting = _held.Values.Where(c => !plan.Updates.ContainsKey(c.Key))
                .Concat(plan.Updates.Values.OfType<GenAICall>())
                .OrderBy(c => c.Since)
                .ThenBy(c => c.Events.IsEmpty ? long.MaxValue : c.Events.Min(e => e.Sequence))
                .Take(excess)
                .ToList();
            foreach (var oldest in waiting)
            {
                if (oldest.Span is { Operation: not GenAISpan.Chat })
                {
                    plan.Updates[oldest.Key] = null;
                    continue;
                }

                End(plan, oldest, GenAICalls.Build(oldest, final: true));
            }
        }

        return plan;
    }

    /// <summary>Plans the end of the calls whose time to wait is over (at most <paramref name="max"/>, the earliest due first).</summary>
    public GenAIPlan Expire(int max)
    {
        var now = time.GetUtcNow();
        var plan = new GenAIPlan();
        var calls = _held.Values.Where(c => c.Span is not { InTrace: true }).Select(c => (Trace: (string?)null, Members: (IReadOnlyList<GenAICall>)[c], Due: Due(c)));
        var traces = _held.Values.Where(c => c.Span is { InTrace: true }).GroupBy(c => c.Span!.TraceId, StringComparer.Ordinal)
            .Select(g => (Trace: (string?)g.Key, Members: (IReadOnlyList<GenAICall>)[.. g], Due: TraceDue(g)));
        foreach (var (trace, members, _) in calls.Concat(traces).Where(c => now >= c.Due).OrderBy(c => c.Due).Take(max).ToList())
        {
            if (trace is null)
            {
                End(plan, members[0], GenAICalls.Build(members[0], final: true));
            }
            else
            {
                EndTrace(plan, trace, members);
            }
        }

        return plan;
    }

    /// <summary>
    /// When an agent trace's wait ends: the grace period after its agent span arrived; without one, the time to wait
    /// after its latest span arrived.
    /// </summary>
    private DateTimeOffset TraceDue(IEnumerable<GenAICall> members)
    {
        var list = members.ToList();
        return list.FirstOrDefault(m => m.Span!.Operation == GenAISpan.InvokeAgent)?.Settled is { } settled ? settled + grace : list.Max(m => m.Since) + HoldFor;
    }

    /// <summary>The held and planned spans of the given traces, by trace.</summary>
    private Dictionary<string, List<GenAICall>> Traces(GenAIPlan plan, HashSet<string> traces)
    {
        var members = traces.ToDictionary(t => t, _ => new List<GenAICall>(), StringComparer.Ordinal);
        if (traces.Count == 0)
        {
            return members;
        }

        foreach (var call in _held.Values.Where(c => !plan.Updates.ContainsKey(c.Key)).Concat(plan.Updates.Values.OfType<GenAICall>()))
        {
            if (call.Span is { InTrace: true } span && members.TryGetValue(span.TraceId, out var list))
            {
                list.Add(call);
            }
        }

        return members;
    }

    /// <summary>
    /// Ends the spans of a trace: with an agent or tool span, one log of the whole trace (its steps the trajectory), and
    /// the trace is remembered so that late spans of it are not evaluated; chat spans alone (the agent span never came)
    /// are evaluated each as a call of its own.
    /// </summary>
    private static void EndTrace(GenAIPlan plan, string trace, IReadOnlyList<GenAICall> members)
    {
        if (members.All(m => m.Span!.Operation == GenAISpan.Chat))
        {
            foreach (var chat in members)
            {
                End(plan, chat, GenAICalls.Build(chat, final: true));
            }

            return;
        }

        foreach (var member in members)
        {
            plan.Updates[member.Key] = null;
        }

        plan.Updates[TraceKey(trace)] = null;
        var outcome = GenAITraces.Build(members);
        if (outcome.Log is { } log)
        {
            plan.Logs.Add(log);
        }
        else
        {
            var representative = members.FirstOrDefault(m => m.Span!.Operation == GenAISpan.InvokeAgent) ?? members[0];
            plan.Said.Add((representative.Client, outcome.Missing));
        }
    }

    /// <summary>The key under which an ended agent trace is remembered.</summary>
    private static string TraceKey(string traceId) => "trace:" + traceId;

    /// <summary>When a call's wait ends: the grace period after it looked complete, and at the latest its time to wait.</summary>
    private DateTimeOffset Due(GenAICall call)
    {
        var due = call.Since + HoldFor;
        return call.Settled is { } settled && settled + grace < due ? settled + grace : due;
    }

    /// <summary>Applies a plan whose logs were stored.</summary>
    public void Commit(GenAIPlan plan)
    {
        foreach (var (key, call) in plan.Updates)
        {
            if (call is not null)
            {
                _held[key] = call;
                continue;
            }

            _held.Remove(key);
            if (_ended.Add(key))
            {
                _endedOrder.Enqueue(key);
                if (_endedOrder.Count > MaxEnded)
                {
                    _ended.Remove(_endedOrder.Dequeue());
                }
            }
        }

        var changed = plan.Updates.Count > 0;
        foreach (var service in plan.Services)
        {
            if (_servicesSendingEvents.Count < MaxServices && _servicesSendingEvents.Add(service))
            {
                changed = true;
            }
        }

        if (changed)
        {
            Changes++;
        }
    }

    private static void End(GenAIPlan plan, GenAICall call, GenAIOutcome outcome)
    {
        plan.Updates[call.Key] = null;
        if (outcome.Log is { } log)
        {
            plan.Logs.Add(log);
        }

        if (outcome.Missing != GenAIMissing.None)
        {
            plan.Said.Add((call.Client, outcome.Missing));
        }
    }

    /// <summary>True when the span's messages may still come as log events.</summary>
    private bool ExpectsEvents(GenAIClient client, GenAIPlan plan) =>
        client.SendsEvents
        || client.Service is { } service && (_servicesSendingEvents.Contains(service) || plan.Services.Contains(service));
}
