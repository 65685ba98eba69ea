using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Caching;

namespace EvalRunner.Generation;

/// <summary>
/// The MCP servers of a model config for one run: their tools listed once (the servers started then), offered beside
/// the config's own tools, each call sent to the server that declared the tool. Stops every server with the run.
/// </summary>
internal sealed class McpToolbox(ModelConfig config, Settings settings, TimeProvider time, FileResponseCache? cache = null) : IDisposable
{
    /// <summary>The toolbox of a model config with MCP servers, for one run; null without servers.</summary>
    public static McpToolbox? For(ModelConfig config, RunServices services) => config.McpServers.Count == 0
        ? null
        : new McpToolbox(config, services.Settings, services.Time, services.Setup.Cache is { Mode: not CacheMode.Off } cache ? cache : null);

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

    /// <summary>
    /// In replay, the tools every server listed on the last live run, as the cache kept them, each answered from the
    /// cache alone (no server is started); null when a server's listing is not in the cache.
    /// </summary>
    public async Task<List<(ToolDeclaration Tool, Func<JsonElement, CancellationToken, Task<string>> Call)>?> CachedToolsAsync(CancellationToken cancellationToken)
    {
        if (cache is null)
        {
            return null;
        }

        var tools = new List<(ToolDeclaration, Func<JsonElement, CancellationToken, Task<string>>)>();
        foreach (var server in config.McpServers)
        {
            if (await CachedListingAsync(server, cancellationToken).ConfigureAwait(false) is not { } listed)
            {
                return null;
            }

            foreach (var tool in listed.OfType<JsonObject>())
            {
                var name = tool["name"]?.GetValue<string>() ?? string.Empty;
                tools.Add((
                    new ToolDeclaration
                    {
                        Name = name,
                        Description = tool["description"]?.GetValue<string>(),
                        Parameters = JsonDocument.Parse((tool["parameters"] ?? new JsonObject { ["type"] = "object" }).ToJsonString()).RootElement.Clone(),
                        Location = server.Location,
                        Server = Identity(server),
                    },
                    (_, _) => throw new CacheMissException($"the result of the tool '{name}' of {server} is not in the cache (replay mode): this call needs a live run")));
            }
        }

        return tools;
    }

    /// <summary>The servers whose tool list the cache does not hold (all of them without a cache).</summary>
    public async Task<List<McpServerSpec>> UncachedServersAsync(CancellationToken cancellationToken)
    {
        var uncached = new List<McpServerSpec>();
        foreach (var server in config.McpServers)
        {
            if (await CachedListingAsync(server, cancellationToken).ConfigureAwait(false) is null)
            {
                uncached.Add(server);
            }
        }

        return uncached;
    }

    private async Task<JsonArray?> CachedListingAsync(McpServerSpec server, CancellationToken cancellationToken) =>
        cache is not null
        && await cache.GetAsync(ListingKey(server), cancellationToken).ConfigureAwait(false) is { } stored
        && JsonNode.Parse(stored) is JsonObject { } entry && entry["tools"] is JsonArray listed
            ? listed
            : null;

    /// <summary>What names a server in cache keys: its name and its command or URL (without credentials), never a secret.</summary>
    public static string Identity(McpServerSpec server) =>
        $"mcp\u0001{server.Name}\u0001{(server.Command is { } command ? string.Join('\u0001', command) : server.Url is { } url ? Redactor.ShowUrl(url) : string.Empty)}";

    private static string ListingKey(McpServerSpec server) =>
        "mcp-tools-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("evalrunner-mcp-tools-v1\u0001" + Identity(server))));

    private async Task KeepListingAsync(McpServerSpec server, IEnumerable<ToolDeclaration> tools)
    {
        if (cache is not { Mode: CacheMode.ReadWrite })
        {
            return;
        }

        var listed = new JsonArray();
        foreach (var tool in tools)
        {
            listed.Add(new JsonObject { ["name"] = tool.Name, ["description"] = tool.Description, ["parameters"] = JsonNode.Parse(tool.Parameters.GetRawText()) });
        }

        var entry = new JsonObject { ["server"] = server.Name, ["tools"] = listed };
        await cache.SetAsync(ListingKey(server), Encoding.UTF8.GetBytes(entry.ToJsonString()), new Microsoft.Extensions.Caching.Distributed.DistributedCacheEntryOptions()).ConfigureAwait(false);
    }

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
                    Server = Identity(server.Spec),
                });
            }

            await KeepListingAsync(server.Spec, listing.Values.Where(e => e.Server == server).Select(e => e.Tool)).ConfigureAwait(false);
        }

        return listing;
    }

    public void Dispose()
    {
        // Every server process ends with the run, each given its shutdown time, none left behind.
        Task.WhenAll(_connections.Select(c => c.DisposeAsync().AsTask())).GetAwaiter().GetResult();
    }
}
