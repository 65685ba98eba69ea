using System.Diagnostics;
using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Logs;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation;

/// <summary>
/// The record of one generation with tools, as it happens: each model call (its tokens, latency and the tool calls
/// it asked for) and each tool call that ran (its result or error and latency). The model config's chat client and
/// its tools find it through <see cref="Current"/>; <see cref="Steps"/> puts it in order once the generation ends.
/// </summary>
internal sealed class AgentRun(Datapoint datapoint, int maxOutputBytes, int maxSteps)
{
    private static readonly AsyncLocal<AgentRun?> Active = new();

    private readonly Lock _lock = new();
    private readonly List<ModelCall> _modelCalls = [];
    private readonly Dictionary<string, TrajectoryStep> _toolCalls = new(StringComparer.Ordinal);

    /// <summary>The generation under way in this async flow; null outside one.</summary>
    public static AgentRun? Current => Active.Value;

    public Datapoint Datapoint { get; } = datapoint;

    /// <summary>In replay mode, the tool call whose result is not in the cache: the datapoint needs a live run.</summary>
    public string? CacheMiss { get; set; }

    /// <summary>Whether the model calls the model config allows (<c>max_steps</c>) are spent.</summary>
    public bool Spent => ModelCalls >= maxSteps;

    /// <summary>How many model calls were made.</summary>
    public int ModelCalls
    {
        get
        {
            lock (_lock)
            {
                return _modelCalls.Count;
            }
        }
    }

    /// <summary>Makes this the generation of the calling async flow until the returned scope is disposed.</summary>
    public Scope Enter() => new(this);

    public void AddModelCall(ChatResponse response, TimeSpan latency)
    {
        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        lock (_lock)
        {
            _modelCalls.Add(new ModelCall(response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount, latency.TotalMilliseconds, calls));
        }
    }

    public void AddToolCall(string callId, string name, IDictionary<string, object?>? arguments, string? result, string? error, double latencyMs)
    {
        var step = ToolStep(name, callId, arguments, latencyMs) with { Result = result, Error = error };
        if (step.Result is { } text && OutputCap.Cut(text, maxOutputBytes) is { Sha256: not null } cut)
        {
            step = step with { Result = cut.Text, Cut = true };
        }

        lock (_lock)
        {
            _toolCalls[callId] = step;
        }
    }

    /// <summary>
    /// The trajectory: each model call followed by the tool calls it asked for. A call that did not run is a failed
    /// step: an unknown tool (with what the model was told, from <paramref name="messages"/>), or one left when
    /// <c>max_steps</c> ended the loop.
    /// </summary>
    public List<TrajectoryStep> Steps(IEnumerable<ChatMessage> messages)
    {
        var told = messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>()
            .GroupBy(r => r.CallId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var steps = new List<TrajectoryStep>();
        lock (_lock)
        {
            foreach (var call in _modelCalls)
            {
                steps.Add(new TrajectoryStep { Kind = StepKind.Model, InputTokens = call.InputTokens, OutputTokens = call.OutputTokens, LatencyMs = Math.Round(call.LatencyMs, 3) });
                foreach (var asked in call.Calls)
                {
                    if (_toolCalls.TryGetValue(asked.CallId, out var ran))
                    {
                        steps.Add(ran);
                        continue;
                    }

                    var error = told.TryGetValue(asked.CallId, out var result)
                        ? result.Exception?.Message ?? result.Result?.ToString() ?? "the tool did not run"
                        : AgentTool.NotRun;
                    steps.Add(ToolStep(asked.Name, asked.CallId, asked.Arguments, null) with { Error = asked.Exception is { } bad ? $"the arguments are not JSON: {bad.Message}" : error });
                }
            }
        }

        return steps;
    }

    /// <summary>Whether the last model call still asked for tools: the loop ended on <c>max_steps</c>, without a final answer.</summary>
    public bool EndedAsking
    {
        get
        {
            lock (_lock)
            {
                return _modelCalls.Count > 0 && _modelCalls[^1].Calls.Count > 0;
            }
        }
    }

    private TrajectoryStep ToolStep(string name, string callId, IDictionary<string, object?>? arguments, double? latencyMs)
    {
        var json = arguments is null ? null : JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
        var (text, sha) = json is null ? (null, null) : OutputCap.Cut(json, maxOutputBytes);
        return new TrajectoryStep
        {
            Kind = StepKind.Tool,
            Name = name,
            CallId = callId,
            Arguments = text is null ? null : sha is null ? JsonDocument.Parse(text).RootElement.Clone() : JsonSerializer.SerializeToElement(text, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(string))),
            Cut = sha is not null,
            LatencyMs = latencyMs is { } ms ? Math.Round(ms, 3) : null,
        };
    }

    private sealed record ModelCall(long? InputTokens, long? OutputTokens, double LatencyMs, List<FunctionCallContent> Calls);

    /// <summary>The generation's time as the current one.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly AgentRun? _previous;

        public Scope(AgentRun run)
        {
            _previous = Active.Value;
            Active.Value = run;
        }

        public void Dispose() => Active.Value = _previous;
    }
}

/// <summary>Records each model call of a generation with tools in its <see cref="AgentRun"/> (it sits under the tool loop).</summary>
internal sealed class StepRecordingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var run = AgentRun.Current;
        if (run is { Spent: true })
        {
            // max_steps is counted here, not by the tool loop (which may ask once more and does not say it stopped):
            // past it, no call is made, and the loop ends on an empty answer.
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, string.Empty)) { FinishReason = ChatFinishReason.Stop };
        }

        var started = Stopwatch.GetTimestamp();
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        run?.AddModelCall(response, Stopwatch.GetElapsedTime(started));
        return response;
    }
}
