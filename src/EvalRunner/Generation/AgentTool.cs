using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CliWrap;
using EvalRunner.Caching;
using EvalRunner.Datasets;
using Microsoft.Extensions.AI;

namespace EvalRunner.Generation;

/// <summary>
/// A declared tool as the model sees it, answered in this order: the datapoint's canned results, the suite's canned
/// results, the tool's command, or the MCP server that declared it (<paramref name="call"/>). It never throws: a failure
/// is an error result for the model and a failed step.
/// </summary>
internal sealed class AgentTool(
    ToolDeclaration declaration,
    IReadOnlyList<CannedToolResult> suiteResults,
    string workingDirectory,
    int maxOutputBytes,
    FileResponseCache? cache = null,
    Func<JsonElement, CancellationToken, Task<string>>? call = null) : AIFunction
{
    /// <summary>What a call asked for by the last model call allowed says: the loop ends there.</summary>
    public const string NotRun = "not run: the model config's max_steps model calls were spent";

    public override string Name => declaration.Name;

    public override string Description => declaration.Description ?? string.Empty;

    public override JsonElement JsonSchema => declaration.Parameters;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var run = AgentRun.Current;
        var callId = FunctionInvokingChatClient.CurrentContext?.CallContent.CallId ?? Guid.NewGuid().ToString("N");
        var json = JsonSerializer.SerializeToElement(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));
        string? result = null;
        string? error = null;
        double? latency = null;
        try
        {
            if (run is { Spent: true })
            {
                error = NotRun;
            }
            else if ((Canned(run?.Datapoint.ToolResults ?? [], json) ?? Canned(suiteResults, json)) is { } canned)
            {
                (result, error, latency) = (canned.Result, canned.Error, canned.LatencyMs);
            }
            else if (declaration.Command is { } command)
            {
                (result, error) = await CachedAsync(string.Join('\u0001', command), json, run, ct => RunAsync(command, json, ct), cancellationToken).ConfigureAwait(false);
            }
            else if (call is not null)
            {
                (result, error) = await CachedAsync(declaration.Server ?? string.Empty, json, run, ct => call(json, ct), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                error = $"no result for tool '{Name}' with these arguments: add one to tool_results (in the suite or the datapoint), or give the tool a command";
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            error = ex.Message;
        }

        run?.AddToolCall(callId, Name, arguments, result, error, latency ?? Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return error is null ? result : $"error: {error}";
    }

    /// <summary>
    /// A command's or an MCP server's answer through the response cache, keyed by the tool's declaration, its command or
    /// server, and the call's arguments: stored after a run that called it, served after, and in replay mode the only answer (a miss ends the
    /// loop and makes the datapoint one that needs a live run). Without a cache the command runs.
    /// </summary>
    private async Task<(string? Result, string? Error)> CachedAsync(string source, JsonElement arguments, AgentRun? run, Func<CancellationToken, Task<string>> answer, CancellationToken cancellationToken)
    {
        if (cache is null)
        {
            return (await answer(cancellationToken).ConfigureAwait(false), null);
        }

        var key = CacheKey(source, arguments);
        if (await cache.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } stored
            && JsonNode.Parse(stored) is JsonObject { } entry && entry["tool"]?.GetValue<string>() == Name)
        {
            return (entry["result"]?.GetValue<string>(), entry["error"]?.GetValue<string>());
        }

        if (cache.Mode == CacheMode.Replay)
        {
            if (run is not null)
            {
                run.CacheMiss = $"the result of tool '{Name}' with arguments {arguments.GetRawText()} is not in the cache (replay mode): this call needs a live run";
            }

            if (FunctionInvokingChatClient.CurrentContext is { } context)
            {
                context.Terminate = true;
            }

            return (null, "not in the cache (replay mode)");
        }

        var result = await answer(cancellationToken).ConfigureAwait(false);
        var value = new JsonObject { ["tool"] = Name, ["result"] = result };
        await cache.SetAsync(key, Encoding.UTF8.GetBytes(value.ToJsonString()), new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions(), cancellationToken).ConfigureAwait(false);
        return (result, null);
    }

    private string CacheKey(string source, JsonElement arguments)
    {
        var trial = CacheTrial.Current;
        var text = string.Join('\u0001', ["evalrunner-tool-v1", Name, DeclarationsHash([declaration]), source, arguments.GetRawText(), trial == 1 ? string.Empty : $"trial:{trial}"]);
        return "tool-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// What the response cache key adds for a model config with tools: a hash of their declarations, so a changed tool
    /// is a miss (a changed tool result changes the calls after it); MCP servers add their names only (their tools are
    /// known once they run, and a replay starts none); nothing without tools, so existing caches stay valid.
    /// </summary>
    public static string[] CacheKeyValues(ModelConfig config) =>
    [
        .. config.Tools.Count == 0 ? Array.Empty<string>() : ["tools:" + DeclarationsHash(config.Tools)],
        .. config.McpServers.Count == 0 ? Array.Empty<string>() : ["mcp:" + string.Join(',', config.McpServers.Select(s => s.Name))],
    ];

    /// <summary>A hash of tool declarations (name, description, parameters): part of every cache key of calls that offered them.</summary>
    public static string DeclarationsHash(IEnumerable<ToolDeclaration> tools) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join('\n', tools.Select(t => $"{t.Name}\u0001{t.Description}\u0001{t.Parameters.GetRawText()}")))));

    /// <summary>The first canned result for this tool whose arguments (the keys it gives) match the call's.</summary>
    private CannedToolResult? Canned(IReadOnlyList<CannedToolResult> results, JsonElement arguments) =>
        results.FirstOrDefault(r => r.Name == Name && (r.Arguments is not { } expected || JsonMatch.Contains(arguments, expected)));

    private async Task<string> RunAsync(IReadOnlyList<string> command, JsonElement arguments, CancellationToken cancellationToken)
    {
        using var output = new CappedOutputStream(maxOutputBytes);
        using var errors = new CappedOutputStream(4000);
        var finished = await Cli.Wrap(command[0])
            .WithArguments(command.Skip(1))
            .WithWorkingDirectory(workingDirectory)
            .WithStandardInputPipe(PipeSource.FromString(arguments.GetRawText(), Encoding.UTF8))
            .WithStandardOutputPipe(PipeTarget.ToStream(output))
            .WithStandardErrorPipe(PipeTarget.ToStream(errors))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cancellationToken)
            .ConfigureAwait(false);
        if (finished.ExitCode != 0)
        {
            var (stderr, _) = errors.Result();
            stderr = stderr.Trim();
            throw new InvalidOperationException($"the tool's command '{string.Join(' ', command)}' exited with code {finished.ExitCode}{(stderr.Length > 0 ? $": {stderr}" : string.Empty)}");
        }

        return output.Result().Text.TrimEnd('\r', '\n');
    }
}

/// <summary>Matching JSON values: a pattern's keys within a value, objects recursively, everything else exactly.</summary>
internal static class JsonMatch
{
    /// <summary>Whether <paramref name="value"/> has every key of <paramref name="pattern"/> with a matching value (objects recursively; arrays and scalars equal).</summary>
    public static bool Contains(JsonElement value, JsonElement pattern) => pattern.ValueKind switch
    {
        JsonValueKind.Object => value.ValueKind == JsonValueKind.Object
            && pattern.EnumerateObject().All(p => value.TryGetProperty(p.Name, out var v) && Contains(v, p.Value)),
        _ => JsonElement.DeepEquals(value, pattern),
    };
}
