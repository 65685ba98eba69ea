using EvalRunner.McpServer;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// An MCP server over stdio for the tests, written with the ModelContextProtocol SDK. Its tools: lookup_order (an
// order's status) and whoami (the environment variable MCP_TEST_USER), each answer naming the server's process id.
// --started <file>: appends a line to the file when the server starts.
// --exit-on-first-call <marker>: the first call of a tool (while the marker file does not exist) creates the marker
// and exits the process without answering, as a crash; a server started later answers normally.
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

if (Option("--started") is { } started)
{
    File.AppendAllText(started, $"{Environment.ProcessId}\n");
}

var tools = new OrderTools(Option("--exit-on-first-call"));
var options = new McpServerOptions
{
    ServerInfo = new Implementation { Name = "evalrunner-test-orders", Version = "1.0.0" },
    ToolCollection =
    [
        McpServerTool.Create(tools.LookupOrder, new McpServerToolCreateOptions { Name = "lookup_order" }),
        McpServerTool.Create(tools.WhoAmI, new McpServerToolCreateOptions { Name = "whoami" }),
    ],
};
await using var server = McpServer.Create(new StdioServerTransport("evalrunner-test-orders"), options);
await server.RunAsync();
