using System.Text.Json;
using EvalRunner.Yaml;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace EvalRunner.Generation;

/// <summary>
/// One MCP server of a run: started (or connected to) when first needed, its tools listed then, stopped with the run.
/// A server that cannot be started stays failed for the run; a server that stops during the run is started again at
/// the next call, at most <see cref="MaxRestarts"/> times.
/// </summary>
internal sealed class McpConnection(McpServerSpec spec, string workingDirectory, Settings settings, TimeProvider time) : IAsyncDisposable
{
    /// <summary>How many times a server that stopped is started again in one run.</summary>
    public const int MaxRestarts = 3;

    /// <summary>How long a server has to answer <c>initialize</c> and list its tools.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Queue<string> _stderr = new();
    private McpClient? _client;
    private IList<McpClientTool> _tools = [];
    private int _starts;
    private string? _failure;
    private bool _disposed;

    public McpServerSpec Spec { get; } = spec;

    /// <summary>The server's tools, as listed when it first started.</summary>
    public async Task<IList<McpClientTool>> ToolsAsync(CancellationToken cancellationToken)
    {
        await ClientAsync(cancellationToken).ConfigureAwait(false);
        return _tools;
    }

    /// <summary>
    /// Calls a tool of the server: its text, or an exception whose message says why (the tool's own error, or the
    /// server stopping; the next call then starts it again).
    /// </summary>
    public async Task<string> CallAsync(string tool, JsonElement arguments, CancellationToken cancellationToken)
    {
        var client = await ClientAsync(cancellationToken).ConfigureAwait(false);
        var values = arguments.ValueKind == JsonValueKind.Object
            ? arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal)
            : [];
        CallToolResult result;
        try
        {
            result = await client.CallToolAsync(tool, values, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (McpProtocolException ex)
        {
            throw new McpServerException(settings.Redact($"{Spec} refused the call of '{tool}': {ex.Message}"), ex);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var restart = _starts <= MaxRestarts ? "it is started again for the next call" : $"it was started {MaxRestarts + 1} times in this run and is not started again";
            throw new McpServerException(settings.Redact($"{Spec} stopped during the call of '{tool}' ({await ReasonAsync(ex, client).ConfigureAwait(false)}); {restart}"), ex);
        }

        var text = string.Join('\n', result.Content.Select(block => block is TextContentBlock { Text: var t } ? t : JsonSerializer.Serialize(block, McpJsonUtilities.DefaultOptions)));
        if (text.Length == 0 && result.StructuredContent is { } structured)
        {
            text = structured.GetRawText();
        }

        return result.IsError == true ? throw new McpToolException(text.Length == 0 ? $"the tool '{tool}' of {Spec} failed" : text) : text;
    }

    /// <summary>The running client: the one started before, or a new one when none runs (first use, or after a stop).</summary>
    private async Task<McpClient> ClientAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_client is { Completion.IsCompleted: false } running)
            {
                return running;
            }

            if (_failure is not null)
            {
                throw new McpServerException(_failure);
            }

            if (_client is not null)
            {
                await StopAsync().ConfigureAwait(false);
                if (_starts > MaxRestarts)
                {
                    _failure = $"{Spec} stopped {_starts} times in this run; it is not started again (at most {MaxRestarts} restarts a run)";
                    throw new McpServerException(_failure);
                }
            }

            _starts++;
            McpClient? client = null;
            using var timeout = new CancellationTokenSource(StartTimeout, time);
            try
            {
                client = await McpClient.CreateAsync(Transport(), new McpClientOptions { InitializationTimeout = StartTimeout, TimeProvider = time }, null, timeout.Token).ConfigureAwait(false);
                var tools = await client.ListToolsAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
                (_client, _tools) = (client, _starts == 1 ? tools : _tools);
                return client;
            }
            catch (Exception ex)
            {
                var reason = timeout.IsCancellationRequested || ex is TimeoutException
                    ? $"it did not answer initialize within {StartTimeout.TotalSeconds:0}s"
                    : await ReasonAsync(ex, client).ConfigureAwait(false);
                if (client is not null)
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }

                _failure = settings.Redact($"{Spec} could not be started: {reason}");
                throw new McpServerException(_failure, ex);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private IClientTransport Transport()
    {
        if (Spec.Command is { } command)
        {
            lock (_stderr)
            {
                _stderr.Clear();
            }

            return new StdioClientTransport(new StdioClientTransportOptions
            {
                Name = Spec.Name,
                Command = SpecReader.ResolveExecutable(command[0], workingDirectory, settings) ?? command[0],
                Arguments = [.. command.Skip(1)],
                WorkingDirectory = workingDirectory,
                EnvironmentVariables = Spec.Environment.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal),
                StandardErrorLines = Remember,
                ShutdownTimeout = TimeSpan.FromSeconds(5),
            });
        }

        return new HttpClientTransport(new HttpClientTransportOptions
        {
            Name = Spec.Name,
            Endpoint = Spec.Url!,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = Spec.Headers.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
            ConnectionTimeout = StartTimeout,
        });
    }

    private void Remember(string line)
    {
        lock (_stderr)
        {
            _stderr.Enqueue(line);
            while (_stderr.Count > 5)
            {
                _stderr.Dequeue();
            }
        }
    }

    /// <summary>Why the server failed: the error, how its process ended, and the last lines it wrote to stderr.</summary>
    private async Task<string> ReasonAsync(Exception exception, McpClient? client)
    {
        var details = (exception as ClientTransportClosedException)?.Details;
        if (details is null && client is not null)
        {
            // The session ends as its process does; its details say how.
            details = await client.Completion.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = string.Join(' ', current.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (!messages.Contains(message))
            {
                messages.Add(message);
            }
        }

        var parts = new List<string> { string.Join(" → ", messages) };
        if (details is StdioClientCompletionDetails { ExitCode: { } code })
        {
            parts.Add($"its process exited with code {code}");
        }

        string[] stderr;
        lock (_stderr)
        {
            stderr = [.. _stderr];
        }

        if (stderr.Length > 0)
        {
            parts.Add($"stderr: {string.Join(" | ", stderr)}");
        }

        return string.Join("; ", parts);
    }

    private async Task StopAsync()
    {
        if (_client is { } client)
        {
            _client = null;
            try
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException or McpException)
            {
                // A server that already stopped has nothing left to close.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>An MCP server that could not be started or stopped during a call; the message names the server and the reason.</summary>
internal sealed class McpServerException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A tool of an MCP server answered with an error (its text is the message).</summary>
internal sealed class McpToolException(string message) : Exception(message);
