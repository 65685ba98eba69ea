using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Testing;

/// <summary>
/// An OpenAI-compatible chat server on 127.0.0.1 (Kestrel), with the Azure OpenAI, Ollama and Anthropic chat routes too.
/// Tests set the answer, a latency, and faults; it records what it received.
/// </summary>
public sealed class FakeOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeChatRequest> _requests = new();
    private readonly ConcurrentQueue<(int Status, string Body, (string Name, string Value)[] Headers)> _failures = new();
    private int _inFlight;
    private int _peakInFlight;
    private long _overLimit;
    private readonly TaskCompletionSource _hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _hangMarker;
    private int _hangs;
    private int _resets;
    private long _requestCount;
    private readonly Lock _gateLock = new();
    private TaskCompletionSource _gateOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(int Count, TaskCompletionSource Reached)> _heldWaiters = [];
    private int? _holdAfter;
    private int _admitted;
    private int _held;
    private long _answered;
    private long _toolCallIds;

    private FakeOpenAIServer(WebApplication app) => _app = app;

    public Uri RootUrl { get; private set; } = null!;

    public Uri BaseUrl => new(RootUrl, "v1/");

    public TimeSpan Latency { get; set; }

    public Func<FakeChatRequest, string> Respond { get; set; } = request => "You said: " + (request.Messages.LastOrDefault(m => m.Role == "user")?.Content ?? string.Empty);

    /// <summary>
    /// The tool calls to answer a chat request with (an agent's next step), or null or empty to answer with text
    /// (<see cref="Respond"/>); called for requests that offer tools. Calls get the ids <c>call_N</c>.
    /// </summary>
    public Func<FakeChatRequest, IReadOnlyList<FakeToolCall>?>? CallTools { get; set; }

    public bool RecordRequests { get; set; } = true;

    public IReadOnlyList<FakeChatRequest> Requests => [.. _requests];

    public long RequestCount => Interlocked.Read(ref _requestCount);

    /// <summary>
    /// The next <paramref name="count"/> chat requests answer <paramref name="statusCode"/>, with Retry-After (whole seconds)
    /// and retry-after-ms when <paramref name="retryAfter"/> is given.
    /// </summary>
    public void FailNext(int count, int statusCode, string body = "{\"error\":{\"message\":\"fake failure\"}}", TimeSpan? retryAfter = null)
    {
        // Retry-After takes whole seconds; OpenAI also sends retry-after-ms, so a test can ask for a wait of a few ms.
        (string, string)[] headers = retryAfter is { } wait
            ? [("Retry-After", ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)), ("retry-after-ms", ((long)wait.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture))]
            : [];
        FailNext(count, statusCode, body, headers);
    }

    /// <summary>The next <paramref name="count"/> chat requests answer <paramref name="statusCode"/> with exactly these headers.</summary>
    public void FailNext(int count, int statusCode, string body, params (string Name, string Value)[] headers)
    {
        for (var i = 0; i < count; i++)
        {
            _failures.Enqueue((statusCode, body, headers));
        }
    }

    /// <summary>The next <paramref name="count"/> chat requests answer 200 with <paramref name="body"/> as it is (an error body, no choices).</summary>
    public void AnswerNext(int count, string body) => FailNext(count, 200, body);

    /// <summary>An OpenAI quota error body (429 <c>insufficient_quota</c>).</summary>
    public const string QuotaBody = "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}";

    /// <summary>
    /// An Anthropic error body, <c>{"type":"error","error":{"type":TYPE,"message":MESSAGE}}</c>, for <see cref="FailNext(int, int, string, (string Name, string Value)[])"/>
    /// (Anthropic's types: <c>rate_limit_error</c> 429, <c>overloaded_error</c> 529, <c>invalid_request_error</c> 400,
    /// <c>authentication_error</c> 401, <c>permission_error</c> 403, <c>api_error</c> 500).
    /// </summary>
    public static string AnthropicError(string type, string message) =>
        JsonSerializer.Serialize(new { type = "error", error = new { type, message } });

    /// <summary>The finish_reason of each answer: stop, length or content_filter.</summary>
    public Func<FakeChatRequest, string> FinishReason { get; set; } = _ => "stop";

    /// <summary>When it returns text, the answer is a refusal: <c>content: null</c> and this <c>refusal</c>.</summary>
    public Func<FakeChatRequest, string?> Refusal { get; set; } = _ => null;

    /// <summary>
    /// The most chat requests served at once; one more in flight is answered 429 with <c>retry-after-ms: 0</c>, as a
    /// provider that admits fewer calls than the run's concurrency. Null admits all.
    /// </summary>
    public int? MaxInFlight { get; set; }

    /// <summary>The most chat requests that were in flight at once.</summary>
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    /// <summary>The requests answered 429 because more than <see cref="MaxInFlight"/> were in flight.</summary>
    public long OverLimit => Interlocked.Read(ref _overLimit);

    /// <summary>The next <paramref name="count"/> chat requests never answer (until the client gives up).</summary>
    public void HangNext(int count) => Interlocked.Add(ref _hangs, count);

    /// <summary>
    /// Every chat request with a message containing <paramref name="marker"/> never answers, until the client gives up;
    /// the others answer as usual.
    /// </summary>
    public void HangWhenPromptContains(string marker) => _hangMarker = marker;

    /// <summary>Completes when the first request is hanging (by <see cref="HangNext"/> or <see cref="HangWhenPromptContains"/>).</summary>
    public Task WaitForHangingRequestAsync(CancellationToken cancellationToken) => _hanging.Task.WaitAsync(cancellationToken);

    /// <summary>Chat requests answered with a completion so far.</summary>
    public long AnsweredCount => Interlocked.Read(ref _answered);

    /// <summary>Chat requests held by the gate right now (<see cref="HoldAfter"/>).</summary>
    public int HeldCount
    {
        get
        {
            lock (_gateLock)
            {
                return _held;
            }
        }
    }

    /// <summary>
    /// A gate: the next <paramref name="answered"/> chat requests are answered as usual; every later one is held, without
    /// an answer, until <see cref="OpenGate"/> (or until the client gives up).
    /// </summary>
    public void HoldAfter(int answered)
    {
        lock (_gateLock)
        {
            _holdAfter = answered;
            _admitted = 0;
            _gateOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Opens the gate: held requests are answered, and later ones are not held.</summary>
    public void OpenGate()
    {
        lock (_gateLock)
        {
            _holdAfter = null;
            _gateOpened.TrySetResult();
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> chat requests are held by the gate at once.</summary>
    public Task WaitForHeldAsync(int count, CancellationToken cancellationToken)
    {
        lock (_gateLock)
        {
            if (_held >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _heldWaiters.Add((count, reached));
            return reached.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The next <paramref name="count"/> chat requests have their connection reset.</summary>
    public void ResetNext(int count) => Interlocked.Add(ref _resets, count);

    public static async Task<FakeOpenAIServer> StartAsync(CancellationToken cancellationToken = default)
    {
        FakeOpenAIServer? server = null;
        var (_, root) = await LoopbackHost.StartAsync(
            app =>
            {
                server = new FakeOpenAIServer(app);
                app.MapPost("/v1/chat/completions", server.ChatCompletionsAsync);
                app.MapPost("/chat/completions", server.ChatCompletionsAsync);
                app.MapPost("/openai/deployments/{deployment}/chat/completions", server.ChatCompletionsAsync);
                app.MapPost("/api/chat", server.OllamaChatAsync);
                app.MapPost("/v1/messages", server.AnthropicMessagesAsync);
                app.MapPost("/v1/embeddings", server.EmbeddingsAsync);
                app.MapGet("/_stats", () => Results.Json(new { requests = server.RequestCount }));
            },
            cancellationToken);
        server!.RootUrl = root;
        return server;
    }

    private async Task ChatCompletionsAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            int peak;
            while (inFlight > (peak = Volatile.Read(ref _peakInFlight)) && Interlocked.CompareExchange(ref _peakInFlight, inFlight, peak) != peak)
            {
            }

            if (inFlight > MaxInFlight)
            {
                Interlocked.Increment(ref _requestCount);
                Interlocked.Increment(ref _overLimit);
                context.Response.Headers.RetryAfter = "0";
                context.Response.Headers["retry-after-ms"] = "0";
                await ErrorAsync(context, 429, "Rate limit reached: too many requests in flight");
                return;
            }

            await ChatCompletionsCoreAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task ChatCompletionsCoreAsync(HttpContext context)
    {
        var (request, failed) = await ReceiveAsync(context, context.Request.Headers.Authorization.FirstOrDefault() ?? context.Request.Headers["api-key"].FirstOrDefault());
        if (failed || request is null)
        {
            return;
        }

        if (request.Body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            await ErrorAsync(context, 400, "streaming is not supported by the test server");
            return;
        }

        if (!await PassGateAsync(context))
        {
            return;
        }

        var model = request.Model ?? (string?)context.Request.RouteValues["deployment"] ?? "fake-model";
        if (request.Tools.Count > 0 && CallTools?.Invoke(request) is { Count: > 0 } toolCalls)
        {
            var asked = Words(string.Concat(toolCalls.Select(c => c.Name + " " + c.Arguments)));
            var prompt = request.Messages.Sum(m => Words(m.Content));
            var first = Interlocked.Add(ref _toolCallIds, toolCalls.Count) - toolCalls.Count;
            await context.Response.WriteAsJsonAsync(new
            {
                id = "chatcmpl-" + RequestCount,
                @object = "chat.completion",
                created = 1_700_000_000,
                model,
                choices = new[]
                {
                    new
                    {
                        index = 0,
                        message = new
                        {
                            role = "assistant",
                            content = (string?)null,
                            tool_calls = toolCalls.Select((c, i) => new { id = $"call_{first + i + 1}", type = "function", function = new { name = c.Name, arguments = c.Arguments } }),
                        },
                        finish_reason = "tool_calls",
                    },
                },
                usage = new { prompt_tokens = prompt, completion_tokens = asked, total_tokens = prompt + asked },
            });
            Interlocked.Increment(ref _answered);
            return;
        }

        var answer = Respond(request);
        var refusal = Refusal(request);
        var promptTokens = request.Messages.Sum(m => Words(m.Content));
        var completionTokens = Words(refusal ?? answer);
        await context.Response.WriteAsJsonAsync(new
        {
            id = "chatcmpl-" + RequestCount,
            @object = "chat.completion",
            created = 1_700_000_000,
            model,
            choices = new[] { new { index = 0, message = new { role = "assistant", content = refusal is null ? answer : null, refusal }, finish_reason = FinishReason(request) } },
            usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
        });
        Interlocked.Increment(ref _answered);
    }

    /// <summary>Holds the request while the gate is closed for it; false when the client gave up meanwhile.</summary>
    private async Task<bool> PassGateAsync(HttpContext context)
    {
        Task opened;
        lock (_gateLock)
        {
            if (_holdAfter is not { } limit || ++_admitted <= limit)
            {
                return true;
            }

            _held++;
            opened = _gateOpened.Task;
            foreach (var waiter in _heldWaiters.Where(w => w.Count <= _held).ToList())
            {
                waiter.Reached.TrySetResult();
                _heldWaiters.Remove(waiter);
            }
        }

        try
        {
            await opened.WaitAsync(context.RequestAborted);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            lock (_gateLock)
            {
                _held--;
            }
        }
    }

    private async Task OllamaChatAsync(HttpContext context)
    {
        var (request, failed) = await ReceiveAsync(context, context.Request.Headers.Authorization.FirstOrDefault());
        if (failed || request is null)
        {
            return;
        }

        var answer = Respond(request);
        var promptTokens = request.Messages.Sum(m => Words(m.Content));
        var streaming = !request.Body.TryGetProperty("stream", out var stream) || stream.ValueKind != JsonValueKind.False;
        var done = new
        {
            model = request.Model,
            created_at = "2026-01-01T00:00:00Z",
            message = new { role = "assistant", content = streaming ? string.Empty : answer },
            done = true,
            done_reason = "stop",
            prompt_eval_count = promptTokens,
            eval_count = Words(answer),
        };
        if (!streaming)
        {
            await context.Response.WriteAsJsonAsync(done);
            return;
        }

        context.Response.ContentType = "application/x-ndjson";
        var chunk = new { model = request.Model, created_at = "2026-01-01T00:00:00Z", message = new { role = "assistant", content = answer }, done = false };
        await context.Response.WriteAsync(JsonSerializer.Serialize(chunk) + "\n" + JsonSerializer.Serialize(done) + "\n");
    }

    /// <summary>
    /// Anthropic's Messages API: the key in <c>x-api-key</c> (or, as Anthropic's SDK sends it, <c>Authorization: Bearer</c>),
    /// <c>system</c> beside the messages, content blocks in the answer.
    /// </summary>
    private async Task AnthropicMessagesAsync(HttpContext context)
    {
        var key = context.Request.Headers["x-api-key"].FirstOrDefault()
            ?? context.Request.Headers.Authorization.FirstOrDefault()?.Replace("Bearer ", string.Empty, StringComparison.Ordinal);
        var (request, failed) = await ReceiveAsync(context, key);
        if (failed || request is null)
        {
            return;
        }

        if (request.Body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync(AnthropicError("invalid_request_error", "streaming is not supported by the test server"));
            return;
        }

        var answer = Respond(request);
        var promptTokens = request.Messages.Sum(m => Words(m.Content));
        await context.Response.WriteAsJsonAsync(new
        {
            id = "msg_" + RequestCount,
            type = "message",
            role = "assistant",
            model = request.Model ?? "fake-model",
            content = new[] { new { type = "text", text = answer } },
            stop_reason = FinishReason(request) == "length" ? "max_tokens" : "end_turn",
            stop_sequence = (string?)null,
            usage = new { input_tokens = promptTokens, output_tokens = Words(answer), cache_creation_input_tokens = 0, cache_read_input_tokens = 0 },
        });
        Interlocked.Increment(ref _answered);
    }

    private async Task EmbeddingsAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requestCount);
        using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var input = document.RootElement.GetProperty("input");
        var texts = input.ValueKind == JsonValueKind.Array ? input.EnumerateArray().Select(t => t.GetString() ?? string.Empty).ToList() : [input.GetString() ?? string.Empty];
        EmbeddingInputs.Enqueue(texts);
        await context.Response.WriteAsJsonAsync(new
        {
            @object = "list",
            model = document.RootElement.TryGetProperty("model", out var model) ? model.GetString() : "fake-embedding",
            data = texts.Select((text, index) => new { @object = "embedding", index, embedding = Embed(text) }),
            usage = new { prompt_tokens = texts.Sum(Words), total_tokens = texts.Sum(Words) },
        });
    }

    /// <summary>The texts of every embeddings request, in order.</summary>
    public ConcurrentQueue<IReadOnlyList<string>> EmbeddingInputs { get; } = new();

    /// <summary>A deterministic bag-of-words embedding: texts that share words point the same way.</summary>
    public static float[] Embed(string text)
    {
        var vector = new float[32];
        foreach (var word in text.ToLowerInvariant().Split([' ', '.', ',', '!', '?', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var hash = 17;
            foreach (var c in word)
            {
                hash = unchecked((hash * 31) + c);
            }

            vector[(hash & 0x7fffffff) % vector.Length] += 1;
        }

        var length = MathF.Sqrt(vector.Sum(v => v * v));
        return length == 0 ? vector : [.. vector.Select(v => v / length)];
    }

    private async Task<(FakeChatRequest? Request, bool Failed)> ReceiveAsync(HttpContext context, string? authorization)
    {
        Interlocked.Increment(ref _requestCount);
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            body = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            await ErrorAsync(context, 400, "malformed JSON: " + ex.Message);
            return (null, true);
        }

        var messages = new List<FakeMessage>();
        if (Property(body, "system") is { } system)
        {
            // Anthropic's system prompt is beside the messages, a text or a list of text blocks.
            messages.Add(new FakeMessage { Role = "system", Content = Text(system) });
        }

        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("messages", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in list.EnumerateArray())
            {
                messages.Add(new FakeMessage
                {
                    Role = message.TryGetProperty("role", out var role) ? role.GetString() ?? string.Empty : string.Empty,
                    Content = message.TryGetProperty("content", out var content) ? Text(content) : string.Empty,
                    ToolCallId = message.TryGetProperty("tool_call_id", out var callId) ? callId.GetString() : null,
                    ToolCalls = message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array
                        ? [.. calls.EnumerateArray().Select(c => new FakeToolCall(c.GetProperty("function").GetProperty("name").GetString()!, c.GetProperty("function").GetProperty("arguments").GetString()!))]
                        : [],
                });
            }
        }

        var request = new FakeChatRequest
        {
            Path = context.Request.Path + context.Request.QueryString,
            Model = Property(body, "model")?.GetString(),
            Messages = messages,
            Temperature = Property(body, "temperature")?.GetDouble(),
            MaxTokens = (Property(body, "max_completion_tokens") ?? Property(body, "max_tokens"))?.GetInt32(),
            Authorization = authorization,
            ResponseFormat = Property(body, "response_format"),
            Tools = Property(body, "tools") is { ValueKind: JsonValueKind.Array } tools
                ? [.. tools.EnumerateArray().Select(t => t.GetProperty("function").GetProperty("name").GetString()!)]
                : [],
            Body = body,
        };
        if (RecordRequests)
        {
            _requests.Enqueue(request);
        }

        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, context.RequestAborted);
        }

        if (Interlocked.Decrement(ref _resets) >= 0)
        {
            context.Abort();
            return (request, true);
        }

        Interlocked.Increment(ref _resets);
        var marked = _hangMarker is { } marker && messages.Any(m => m.Content.Contains(marker, StringComparison.Ordinal));
        if (marked || Interlocked.Decrement(ref _hangs) >= 0)
        {
            _hanging.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return (request, true);
        }

        Interlocked.Increment(ref _hangs);
        if (_failures.TryDequeue(out var failure))
        {
            foreach (var (name, value) in failure.Headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.StatusCode = failure.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(failure.Body);
            return (request, true);
        }

        return (request, false);
    }

    private static JsonElement? Property(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static string Text(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!,
        JsonValueKind.Array => string.Concat(content.EnumerateArray().Select(part => part.TryGetProperty("text", out var text) ? text.GetString() : string.Empty)),
        _ => string.Empty,
    };

    private static int Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private static Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = new { message, type = "invalid_request_error" } });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
