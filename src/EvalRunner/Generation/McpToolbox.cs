using System.Text.Json;

namespace EvalRunner.Generation;

/// <summary>
/// The MCP servers of a model config for one run: their tools listed once (the servers started then), offered beside
/// the config's own tools, each call sent to the server that declared the tool. Stops every server with the run.
/// </summary>
internal sealed class McpToolbox(ModelConfig config, Settings settings, TimeProvider time) : IDisposable
{
    private static readonly JsonElement AnyArguments = JsonDocument.Parse("{\"type\":\"object\"}").RootElement.Clone();

    private readonly List<McpConnection> _connections = [.. config.McpServers.Select(s => new McpConnection(s, config.WorkingDirectory, settings, time))];
    private readonly Lock _lock = new();
    private Task<Dictionary<string, (McpConnection Server, ToolDeclaration Tool)>>? _listing;

    /// <summary>
    /// The servers' tools as declarations answered by their server. Listed once a run: a server that cannot be started
    /// fails every generation that needs it, as does a tool name that two sources give.
    /// </summary>
    public async Task<List<(ToolDeclaration Tool, Func<JsonElement, CancellationToken, Task<string>> Call)>> ToolsAsync(CancellationToken cancellationToken)
    {
        var listing = await ListingAsync(cancellationToken).ConfigureAwait(false);
        return [.. listing.Values.Select(entry => (entry.Tool, Answerer(entry.Server, entry.Tool.Name)))];
    }

    /// <summary>
    /// Tools known by name only (those with canned results), for a run that must not start a server unless a call
    /// needs it (replay): a call without a canned result starts the servers and goes to the one that declares the tool.
    /// </summary>
    public List<(ToolDeclaration Tool, Func<JsonElement, CancellationToken, Task<string>> Call)> Deferred(IEnumerable<string> names) =>
        [.. names.Where(name => config.Tools.All(t => t.Name != name)).Distinct(StringComparer.Ordinal).Select(name => (
            new ToolDeclaration { Name = name, Parameters = AnyArguments, Location = config.McpServers[0].Location },
            (Func<JsonElement, CancellationToken, Task<string>>)(async (arguments, cancellationToken) =>
            {
                var listing = await ListingAsync(cancellationToken).ConfigureAwait(false);
                return listing.TryGetValue(name, out var entry)
                    ? await entry.Server.CallAsync(name, arguments, cancellationToken).ConfigureAwait(false)
                    : throw new McpServerException($"no MCP server of model config '{config.Name}' has a tool '{name}'");
            })))];

    private static Func<JsonElement, CancellationToken, Task<string>> Answerer(McpConnection server, string name) =>
        (arguments, cancellationToken) => server.CallAsync(name, arguments, cancellationToken);

    private Task<Dictionary<string, (McpConnection Server, ToolDeclaration Tool)>> ListingAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // Shared by every generation of the run, so not cancelled by one of them; the start timeout bounds it.
            _listing ??= ListAsync();
        }

        return _listing.WaitAsync(cancellationToken);
    }

    private async Task<Dictionary<string, (McpConnection Server, ToolDeclaration Tool)>> ListAsync()
    {
        var listing = new Dictionary<string, (McpConnection Server, ToolDeclaration Tool)>(StringComparer.Ordinal);
        var starts = _connections.Select(c => c.ToolsAsync(CancellationToken.None)).ToList();
        await Task.WhenAll(starts.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        for (var i = 0; i < _connections.Count; i++)
        {
            var server = _connections[i];
            foreach (var tool in await starts[i].ConfigureAwait(false))
            {
                if (config.Tools.FirstOrDefault(t => t.Name == tool.Name) is { } declared)
                {
                    throw new McpServerException($"the tool '{tool.Name}' is given twice: by tools: ({declared.Location}) and by {server.Spec}; rename one or leave one out");
                }

                if (listing.TryGetValue(tool.Name, out var other))
                {
                    throw new McpServerException($"the tool '{tool.Name}' is given twice: by {other.Server.Spec} and by {server.Spec}; leave one server out");
                }

                listing[tool.Name] = (server, new ToolDeclaration
                {
                    Name = tool.Name,
                    Description = tool.Description,
                    Parameters = tool.JsonSchema,
                    Location = server.Spec.Location,
                });
            }
        }

        return listing;
    }

    public void Dispose()
    {
        // Every server process ends with the run, each given its shutdown time, none left behind.
        Task.WhenAll(_connections.Select(c => c.DisposeAsync().AsTask())).GetAwaiter().GetResult();
    }
}
