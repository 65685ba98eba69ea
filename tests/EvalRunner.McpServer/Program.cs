using EvalRunner.McpServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// An MCP server over stdio for the tests, written with the ModelContextProtocol SDK. Its tools: lookup_order (an
// order's status) and whoami (the environment variable MCP_TEST_USER), each answer naming the server's process id.
// --no-answer: answers nothing, not even initialize (exits when its input ends).
// --http <port>: serves streamable HTTP instead of stdio.
// --started <file>: appends a line to the file when the server starts.
// --exit-on-first-call <marker>: the first call of a tool (while the marker file does not exist) creates the marker
// and exits the process without answering, as a crash; a server started later answers normally.
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

if (Option("--started") is { } started)
{
    File.AppendAllText(started, $"{Environment.ProcessId}\n");
}

if (args.Contains("--no-answer"))
{
    // Reads its input and never answers (not even initialize), until its input ends.
    await Console.In.ReadToEndAsync();
    return;
}

var tools = new OrderTools(Option("--exit-on-first-call"));
McpServerTool[] served =
[
    McpServerTool.Create(tools.LookupOrder, new McpServerToolCreateOptions { Name = "lookup_order" }),
    McpServerTool.Create(tools.WhoAmI, new McpServerToolCreateOptions { Name = "whoami" }),
];
var info = new Implementation { Name = "evalrunner-test-orders", Version = "1.0.0" };

if (Option("--http") is { } port)
{
    // Streamable HTTP at http://127.0.0.1:PORT/mcp; a request without the header X-Suite: mcp-test is refused.
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
    builder.Services.AddMcpServer(o => o.ServerInfo = info).WithHttpTransport().WithTools(served);
    var app = builder.Build();
    app.Use(async (context, next) =>
    {
        if (context.Request.Headers["X-Suite"] != "mcp-test")
        {
            context.Response.StatusCode = 401;
            return;
        }

        await next(context);
    });
    app.MapMcp("/mcp");
    await app.RunAsync();
    return;
}

var options = new McpServerOptions { ServerInfo = info, ToolCollection = [.. served] };
await using var server = McpServer.Create(new StdioServerTransport("evalrunner-test-orders"), options);
await server.RunAsync();
