using System.Diagnostics;
using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Logs;
using EvalRunner.Results;
using EvalRunner.Runs;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Xunit.Sdk;

namespace EvalRunner.Xunit;

/// <summary>
/// One test case of a suite: a datapoint and a model config, or the suite's aggregate thresholds. Either let the suite
/// generate and judge (<see cref="AssertPassesAsync"/>) or produce the response with your own code and let the
/// suite's evaluators judge it (<see cref="EvaluateAsync(string, TimeSpan?, CancellationToken)"/>).
/// </summary>
public sealed class EvalCase : IXunitSerializable
{
    private string _suite = string.Empty;
    private string? _datapointId;
    private string? _model;

    /// <summary>For the serializer only.</summary>
    [Obsolete("For the xunit serializer only.")]
    public EvalCase()
    {
    }

    internal EvalCase(string suite, string? datapointId, string? model)
    {
        _suite = suite;
        _datapointId = datapointId;
        _model = model;
    }

    private EvalSession Session => EvalSession.Loaded(_suite);

    /// <summary>True for the suite's aggregate-thresholds case, which has no datapoint.</summary>
    public bool IsAggregate => _datapointId is null;

    /// <summary>The datapoint.</summary>
    /// <exception cref="InvalidOperationException">This is the aggregate case.</exception>
    public Datapoint Datapoint => _datapointId is null
        ? throw new InvalidOperationException("the aggregate case has no datapoint")
        : Session.Datapoint(_datapointId);

    /// <summary>The datapoint's conversation, for the application under test.</summary>
    public IReadOnlyList<ChatMessage> Messages => Datapoint.Messages;

    /// <summary>The datapoint's input (its last user message).</summary>
    public string Input => Datapoint.Input;

    /// <summary>The model config's name; <c>supplied</c> in a suite without model configs, whose responses the test supplies.</summary>
    public string ModelConfig => _model ?? string.Empty;

    /// <summary>
    /// Generates with the suite's model config, evaluates, and fails the test unless the datapoint passed. The suite's
    /// generations run concurrently (its <c>run.concurrency</c>) from the first case on; each case waits for its own.
    /// On the aggregate case, waits for every row and checks the aggregate thresholds.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the suite's run goes on for the other cases.</param>
    public async Task AssertPassesAsync(CancellationToken cancellationToken = default)
    {
        var session = await EvalSession.ExistingAsync(_suite).ConfigureAwait(false);
        if (IsAggregate)
        {
            session.AssertAggregates(await session.CompleteAsync(generate: true, cancellationToken).ConfigureAwait(false));
            return;
        }

        session.AssertDecision(await session.GeneratedAsync(_datapointId!, ModelConfig, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Evaluates a response your own code produced for this datapoint with the suite's evaluators, records the row,
    /// and fails the test unless it passed. On the aggregate case, checks the aggregate thresholds instead. With
    /// <c>run.repeat</c> above 1 the evaluators judge the response once per trial and the case passes when
    /// <c>run.min_passes</c> trials pass; the row of trial 1 is returned.
    /// </summary>
    /// <param name="response">The response of the application under test.</param>
    /// <param name="latency">How long the application took, for the <c>latency</c> evaluator; zero when not given.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    public async Task<Row> EvaluateAsync(string response, TimeSpan? latency = null, CancellationToken cancellationToken = default)
    {
        var session = await EvalSession.ExistingAsync(_suite).ConfigureAwait(false);
        if (IsAggregate)
        {
            session.AssertAggregates(await session.CompleteAsync(generate: false, cancellationToken).ConfigureAwait(false));
            return EvalSession.AggregateRow;
        }

        var log = new Log { ModelConfig = ModelConfig, Model = "application", Response = response, LatencyMs = latency?.TotalMilliseconds };
        var decision = await session.EvaluateSuppliedAsync(session.Datapoint(_datapointId!), log, cancellationToken).ConfigureAwait(false);
        session.AssertDecision(decision);
        return decision.Trials[0];
    }

    /// <summary>
    /// Calls your application with the datapoint's messages, timing it, then evaluates its response as
    /// <see cref="EvaluateAsync(string, TimeSpan?, CancellationToken)"/> does. An exception from the application is an
    /// error row (and fails the test), never a pass.
    /// </summary>
    public Task<Row> EvaluateAsync(Func<IReadOnlyList<ChatMessage>, Task<string>> application, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(application);
        return EvaluateApplicationAsync(
            async messages => new Answer { Response = await application(messages).ConfigureAwait(false) },
            tools: null,
            cancellationToken);
    }

    /// <summary>
    /// Sends the datapoint's messages to your chat client with <paramref name="options"/>, and evaluates the response
    /// with its trajectory: each assistant message is a model call, each <see cref="FunctionCallContent"/> a tool call
    /// with the <see cref="FunctionResultContent"/> of its call id, and the last assistant message the response. The
    /// tool calls are run by the client's <see cref="FunctionInvokingChatClient"/>, or by one wrapped around it here when
    /// it has none and <paramref name="options"/> offer tools. The tools offered are the evaluators' <c>Tools</c>.
    /// </summary>
    /// <param name="client">The chat client of the application under test; not disposed.</param>
    /// <param name="options">The options of the call, with the tools the model may call; cloned per call.</param>
    /// <param name="cancellationToken">Cancels the call and the evaluation.</param>
    public Task<Row> EvaluateAsync(IChatClient client, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        IReadOnlyList<AITool>? tools = options?.Tools is { Count: > 0 } offered ? [.. offered] : null;
        return EvaluateApplicationAsync(
            async messages =>
            {
                // Not disposed: disposing it would dispose the caller's client.
                var invoking = tools is not null && client.GetService<FunctionInvokingChatClient>() is null ? new FunctionInvokingChatClient(client) : client;
                var response = await invoking.GetResponseAsync(messages, options?.Clone(), cancellationToken).ConfigureAwait(false);
                return new Answer { Messages = response.Messages, Usage = response.Usage };
            },
            tools,
            cancellationToken);
    }

    /// <summary>
    /// Runs your agent on the datapoint's messages and evaluates its response with its trajectory, read from the
    /// response's messages as <see cref="EvaluateAsync(IChatClient, ChatOptions?, CancellationToken)"/> does.
    /// </summary>
    /// <param name="agent">The agent under test (a <c>ChatClientAgent</c> runs its tools itself).</param>
    /// <param name="cancellationToken">Cancels the run and the evaluation.</param>
    public Task<Row> EvaluateAsync(AIAgent agent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return EvaluateApplicationAsync(
            async messages =>
            {
                var response = await agent.RunAsync(messages, cancellationToken: cancellationToken).ConfigureAwait(false);
                return new Answer { Messages = response.Messages, Usage = response.Usage };
            },
            tools: null,
            cancellationToken);
    }

    private async Task<Row> EvaluateApplicationAsync(Func<IReadOnlyList<ChatMessage>, Task<Answer>> application, IReadOnlyList<AITool>? tools, CancellationToken cancellationToken)
    {
        if (IsAggregate)
        {
            return await EvaluateAsync(string.Empty, null, cancellationToken).ConfigureAwait(false);
        }

        var session = await EvalSession.ExistingAsync(_suite).ConfigureAwait(false);
        var datapoint = session.Datapoint(_datapointId!);
        var started = Stopwatch.GetTimestamp();
        Log log;
        try
        {
            var answer = await application(datapoint.Messages).ConfigureAwait(false);
            var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (answer.Messages is null)
            {
                log = new Log { ModelConfig = ModelConfig, Model = "application", Response = answer.Response, LatencyMs = latency };
            }
            else
            {
                var steps = TrajectoryMessages.FromMessages(answer.Messages);
                log = new Log
                {
                    ModelConfig = ModelConfig,
                    Model = "application",
                    Response = answer.Messages.LastOrDefault(m => m.Role == ChatRole.Assistant)?.Text ?? string.Empty,
                    LatencyMs = latency,
                    InputTokens = answer.Usage?.InputTokenCount,
                    OutputTokens = answer.Usage?.OutputTokenCount,
                    Steps = tools is not null || steps.Any(s => s.Kind == StepKind.Tool) ? steps : null,
                    OfferedTools = tools,
                };
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log = new Log { ModelConfig = ModelConfig, Model = "application", LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds, Error = new RunError { Kind = ErrorKind.Generation, Source = ModelConfig, Message = $"the application failed: {ex.Message}" } };
        }

        var decision = await session.EvaluateSuppliedAsync(datapoint, log, cancellationToken).ConfigureAwait(false);
        session.AssertDecision(decision);
        return decision.Trials[0];
    }

    /// <summary>What an application answered: its response text, or its response's messages and usage.</summary>
    private sealed record Answer
    {
        public string? Response { get; init; }

        public IList<ChatMessage>? Messages { get; init; }

        public UsageDetails? Usage { get; init; }
    }

    /// <inheritdoc />
    public void Serialize(IXunitSerializationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        info.AddValue("suite", _suite);
        info.AddValue("id", _datapointId);
        info.AddValue("model", _model);
    }

    /// <inheritdoc />
    public void Deserialize(IXunitSerializationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        _suite = info.GetValue<string>("suite") ?? string.Empty;
        _datapointId = info.GetValue<string>("id");
        _model = info.GetValue<string>("model");
    }

    /// <inheritdoc />
    public override string ToString() => IsAggregate ? "all rows" : _model ?? string.Empty;
}
