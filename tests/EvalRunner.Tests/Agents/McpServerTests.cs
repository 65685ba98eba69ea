using System.Diagnostics;
using System.Text.Json;
using EvalRunner.Caching;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Agents;

/// <summary>
/// MCP servers as a model config's tools (<c>mcp:</c>): the test server of tests/EvalRunner.McpServer (written with the
/// ModelContextProtocol SDK) and the reference server @modelcontextprotocol/server-everything, over stdio.
/// </summary>
public sealed class McpServerTests
{
    /// <summary>The test server's dll, built beside the tests (the test project builds it without referencing it).</summary>
    private static string ServerDll
    {
        get
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory);
            var path = Path.Combine(Repository.Root, "tests", "EvalRunner.McpServer", "bin", output.Parent!.Name, output.Name, "EvalRunner.McpServer.dll");
            Assert.True(File.Exists(path), $"the test MCP server is not built: {path}");
            return path;
        }
    }

    private static string Yaml(string value) => JsonSerializer.Serialize(value);

    private static string Suite(FakeOpenAIServer server, string mcp, string extra = "") => $"""
        name: mcp
        dataset: cases.jsonl
        run:
          concurrency: 1
        models:
          - name: agent
            provider: openai
            model: gpt-test
            base_url: {server.BaseUrl}
            api_key: sk-mcp-test
            mcp:
        {mcp}
        {extra}
        """;

    private static string OrdersServer(params string[] arguments) =>
        $"      - name: orders\n        command: [dotnet, {string.Join(", ", new[] { ServerDll }.Concat(arguments).Select(Yaml))}]\n        env: {{MCP_TEST_USER: alice}}";

    /// <summary>Looks the order up for an input about an order, asks who it is otherwise, then answers with the tool's result.</summary>
    private static void OrdersAgent(FakeOpenAIServer server)
    {
        server.CallTools = request => request.ToolResults > 0 ? null
            : request.Messages[^1].Content!.Contains("order", StringComparison.Ordinal) ? [new FakeToolCall("lookup_order", "{\"order_id\":\"42\"}")]
            : [new FakeToolCall("whoami")];
        server.Respond = request => request.Messages[^1].Role == "tool" ? $"Tool said: {request.Messages[^1].Content}" : "no tools used";
    }

    private static List<JsonElement> Steps(JsonElement row) => [.. row.GetProperty("log").GetProperty("steps").EnumerateArray()];

    private static int PidOf(string result) => int.Parse(result[(result.LastIndexOf("(pid ", StringComparison.Ordinal) + 5)..^1], System.Globalization.CultureInfo.InvariantCulture);

    private static bool Gone(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    [Fact(Timeout = 120000)]
    public async Task The_tools_of_an_MCP_server_are_offered_to_the_model_and_its_calls_are_answered_by_one_server_process_for_the_run()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        OrdersAgent(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"Where is my order 42?\"}\n{\"id\":\"o2\",\"input\":\"Who are you?\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server, OrdersServer()), token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Contains("lookup_order", server.Requests[0].Tools);
        Assert.Contains("whoami", server.Requests[0].Tools);
        var lookup = Steps(rows.Row("o1"))[1];
        Assert.Equal("lookup_order", lookup.GetProperty("name").GetString());
        Assert.Equal("42", lookup.GetProperty("arguments").GetProperty("order_id").GetString());
        var answer = lookup.GetProperty("result").GetString()!;
        Assert.StartsWith("order 42: delivered, total 30 EUR", answer, StringComparison.Ordinal);
        Assert.StartsWith("Tool said: order 42: delivered", rows.Row("o1").GetProperty("log").GetProperty("generated_response").GetString(), StringComparison.Ordinal);
        var who = Steps(rows.Row("o2"))[1];
        Assert.Equal("whoami", who.GetProperty("name").GetString());
        Assert.StartsWith("alice (pid ", who.GetProperty("result").GetString(), StringComparison.Ordinal);

        // One server process answered both datapoints, and it is gone once the run is over.
        Assert.Equal(PidOf(answer), PidOf(who.GetProperty("result").GetString()!));
        Assert.True(Gone(PidOf(answer)), "the MCP server's process outlived the run");
    }

    [Fact(Timeout = 120000)]
    public async Task The_echo_tool_of_the_reference_server_everything_is_called_through_a_suite()
    {
        var token = TestContext.Current.CancellationToken;
        var index = Path.Combine(Repository.Root, "tests", "mcp-everything", "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
        TestPrerequisite.Require(File.Exists(index), $"the npm package @modelcontextprotocol/server-everything is not installed in tests/mcp-everything: run tests/setup.sh");
        TestPrerequisite.Require(TestPrerequisite.OnPath("node"), "node is not installed: run tests/setup.sh");
        await using var server = await FakeOpenAIServer.StartAsync(token);
        server.CallTools = request => request.ToolResults > 0 ? null : [new FakeToolCall("echo", "{\"message\":\"hello from the suite\"}")];
        server.Respond = request => request.Messages[^1].Content ?? string.Empty;
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"e1\",\"input\":\"Echo something\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server, $"      - name: everything\n        command: [node, {Yaml(index)}, stdio]"), token);

        Assert.True(result.Verdict == Verdict.Pass, result.Reason);
        Assert.Contains("echo", server.Requests[0].Tools);
        var echo = Steps(rows.Row("e1"))[1];
        Assert.Equal("echo", echo.GetProperty("name").GetString());
        Assert.Equal("Echo: hello from the suite", echo.GetProperty("result").GetString());
        Assert.False(echo.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String);
    }

    [Fact(Timeout = 120000)]
    public async Task A_server_at_a_url_is_called_over_streamable_HTTP_with_its_headers()
    {
        var token = TestContext.Current.CancellationToken;
        var port = FreePort();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var http = CliWrap.Cli.Wrap("dotnet").WithArguments([ServerDll, "--http", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            .WithValidation(CliWrap.CommandResultValidation.None)
            .ExecuteAsync(stop.Token);
        try
        {
            await WaitForPortAsync(port, http, token);
            await using var server = await FakeOpenAIServer.StartAsync(token);
            OrdersAgent(server);
            using var dir = new TempDirectory();
            dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"Where is my order 42?\"}\n");
            var mcp = $"      - name: orders\n        url: http://127.0.0.1:{port}/mcp\n        headers: {{X-Suite: mcp-test}}";

            var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server, mcp), token);

            Assert.True(result.Verdict == Verdict.Pass, result.Reason);
            Assert.Contains("lookup_order", server.Requests[0].Tools);
            Assert.StartsWith("order 42: delivered", Steps(rows.Row("o1"))[1].GetProperty("result").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await http;
            }
            catch (OperationCanceledException)
            {
                // The server is stopped by cancelling its command.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until the server listens on <paramref name="port"/>, failing when its process ends first.</summary>
    private static async Task WaitForPortAsync(int port, CliWrap.CommandTask<CliWrap.CommandResult> process, CancellationToken cancellationToken)
    {
        while (true)
        {
            Assert.False(process.Task.IsCompleted, "the MCP server's process ended before it listened");
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    [Fact(Timeout = 120000)]
    public async Task A_server_whose_command_does_not_exist_makes_error_rows_naming_the_server_and_the_reason()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        OrdersAgent(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"Where is my order 42?\"}\n{\"id\":\"o2\",\"input\":\"Who are you?\"}\n");

        var (result, rows) = await SuiteRun.RunAsync(dir, Suite(server, "      - name: orders\n        command: [no-such-mcp-server-program, --stdio]"), token);

        Assert.NotEqual(Verdict.Pass, result.Verdict);
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            var error = row.GetProperty("error");
            Assert.Equal("generation", error.Kind());
            Assert.Contains("MCP server 'orders'", error.Message(), StringComparison.Ordinal);
            Assert.Contains("no-such-mcp-server-program", error.Message(), StringComparison.Ordinal);
            Assert.Contains("could not be started", error.Message(), StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error.Message(), StringComparison.Ordinal);
        }

        Assert.Equal(0, server.RequestCount);
    }

    // The start timeout runs on the run's clock: the test advances it, and is over long before 30 real seconds.
    [Fact(Timeout = 20000)]
    public async Task A_server_that_does_not_answer_initialize_makes_error_rows_once_the_start_timeout_passes()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        OrdersAgent(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"Where is my order 42?\"}\n");
        var started = Path.Combine(dir.Path, "started");
        var yaml = Suite(server, OrdersServer("--started", started, "--no-answer")).Replace("concurrency: 1", "concurrency: 1\n  timeout: 10m", StringComparison.Ordinal);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        var running = SuiteRun.RunAsync(dir.File("suite.eval.yaml", yaml), TestSettings.With(), new SuiteRunOptions { TimeProvider = time }, token);
        while (!File.Exists(started))
        {
            Assert.False(running.IsCompleted, "the run ended before the MCP server started");
            await Task.Delay(20, token);
        }

        time.Advance(TimeSpan.FromSeconds(31));
        var (_, rows) = await running;

        var message = rows.Row("o1").GetProperty("error").Message();
        Assert.Contains("MCP server 'orders'", message, StringComparison.Ordinal);
        Assert.Contains("did not answer initialize within 30s", message, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task A_server_that_exits_on_a_call_makes_a_failed_step_and_is_restarted_for_the_next_datapoint()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        OrdersAgent(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"Where is my order 42?\"}\n{\"id\":\"o2\",\"input\":\"And my order 43?\"}\n");
        var marker = Path.Combine(dir.Path, "exited");
        var started = Path.Combine(dir.Path, "started");

        var (_, rows) = await SuiteRun.RunAsync(dir, Suite(server, OrdersServer("--exit-on-first-call", marker, "--started", started)), token);

        var failed = Steps(rows.Row("o1"))[1];
        Assert.Equal("lookup_order", failed.GetProperty("name").GetString());
        var reason = failed.GetProperty("error").GetString()!;
        Assert.Contains("MCP server 'orders'", reason, StringComparison.Ordinal);
        Assert.Contains("exit", reason, StringComparison.OrdinalIgnoreCase);
        Assert.False(rows.Row("o1").TryGetProperty("error", out var rowError) && rowError.ValueKind == JsonValueKind.Object);
        var answered = Steps(rows.Row("o2"))[1];
        Assert.StartsWith("order 42: delivered", answered.GetProperty("result").GetString(), StringComparison.Ordinal);
        var pids = File.ReadAllLines(started);
        Assert.Equal(2, pids.Length);
        Assert.All(pids, pid => Assert.True(Gone(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)), $"the MCP server's process {pid} outlived the run"));
    }

    [Fact(Timeout = 120000)]
    public async Task A_tool_named_both_in_tools_and_by_an_MCP_server_is_an_error_naming_both()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        OrdersAgent(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"Where is my order 42?\"}\n");
        var extra = "    tools:\n      - name: lookup_order\n        parameters: {type: object, properties: {order_id: {type: string}}}";

        var (_, rows) = await SuiteRun.RunAsync(dir, Suite(server, OrdersServer(), extra), token);

        var message = rows.Row("o1").GetProperty("error").Message();
        Assert.Contains("'lookup_order'", message, StringComparison.Ordinal);
        Assert.Contains("tools:", message, StringComparison.Ordinal);
        Assert.Contains("MCP server 'orders'", message, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task In_replay_mode_with_canned_results_for_every_call_no_MCP_server_is_started()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        OrdersAgent(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"Where is my order 42?\"}\n{\"id\":\"o2\",\"input\":\"Who are you?\"}\n");
        var started = Path.Combine(dir.Path, "started");
        var canned = "tool_results:\n  - name: lookup_order\n    result: order 42 is on its way\n  - name: whoami\n    result: a canned agent";
        var suite = Suite(server, OrdersServer("--started", started), canned);
        var cacheDir = Path.Combine(dir.Path, ".cache");
        RunRequest Request(CacheMode mode) => new() { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, mode) };
        var settings = new Settings(new Dictionary<string, string>());

        var (first, firstRows) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.ReadWrite), token);
        Assert.True(first.Verdict == Verdict.Pass, first.Reason);
        Assert.Equal("order 42 is on its way", Steps(firstRows.Row("o1"))[1].GetProperty("result").GetString());
        Assert.Equal(4, server.RequestCount);
        File.Delete(started);

        var (replayed, rows) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.Replay), token);

        Assert.True(replayed.Verdict == Verdict.Pass, replayed.Reason);
        Assert.Equal(4, server.RequestCount);
        Assert.Equal("order 42 is on its way", Steps(rows.Row("o1"))[1].GetProperty("result").GetString());
        Assert.Equal("a canned agent", Steps(rows.Row("o2"))[1].GetProperty("result").GetString());
        Assert.False(File.Exists(started), "an MCP server was started in replay mode");
    }

    [Fact(Timeout = 120000)]
    public async Task A_replay_answers_MCP_tools_from_the_listing_and_results_the_cache_kept_without_starting_the_server()
    {
        var token = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(token);
        OrdersAgent(server);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"Where is my order 42?\"}\n{\"id\":\"o2\",\"input\":\"Who are you?\"}\n");
        var started = Path.Combine(dir.Path, "started");
        var suite = Suite(server, OrdersServer("--started", started));
        var cacheDir = Path.Combine(dir.Path, ".cache");
        RunRequest Request(CacheMode mode) => new() { OutputDirectory = string.Empty, Cache = new FileResponseCache(cacheDir, mode) };
        var settings = new Settings(new Dictionary<string, string>());

        var (live, liveRows) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.ReadWrite), token);
        Assert.True(live.Verdict == Verdict.Pass, live.Reason);
        var liveAnswer = Steps(liveRows.Row("o1"))[1].GetProperty("result").GetString();
        Assert.StartsWith("order 42: delivered", liveAnswer, StringComparison.Ordinal);
        File.Delete(started);

        var (replayed, rows) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.Replay), token);

        Assert.True(replayed.Verdict == Verdict.Pass, replayed.Reason);
        Assert.Equal(4, server.RequestCount);
        Assert.False(File.Exists(started), "an MCP server was started in replay mode");
        Assert.Equal(liveAnswer, Steps(rows.Row("o1"))[1].GetProperty("result").GetString());
        Assert.Equal(Steps(liveRows.Row("o2"))[1].GetProperty("result").GetString(), Steps(rows.Row("o2"))[1].GetProperty("result").GetString());

        // A call the live run did not make needs a live run; still no server is started for it.
        dir.File("cases.jsonl", "{\"id\":\"o3\",\"input\":\"Where is my order 43, the other order?\"}\n");
        server.CallTools = request => request.ToolResults > 0 ? null : [new FakeToolCall("lookup_order", "{\"order_id\":\"43\"}")];
        var (_, missed) = await SuiteRun.RunAsync(dir, suite, settings, Request(CacheMode.Replay), token);
        Assert.Equal("cache_miss", missed.Row("o3").GetProperty("log").GetProperty("error").Kind());
        Assert.False(File.Exists(started), "an MCP server was started in replay mode");
    }

    [Fact]
    public void An_mcp_server_is_checked_when_the_suite_is_loaded()
    {
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"o1\",\"input\":\"hi\"}\n");
        var path = dir.File("suite.eval.yaml", """
            dataset: cases.jsonl
            models:
              - name: agent
                provider: openai
                model: gpt-test
                api_key: sk-test
                mcp:
                  - name: orders
                  - name: web
                    command: [node, server.js]
                    url: http://127.0.0.1:1/mcp
              - name: script
                provider: command
                command: [python3, bot.py]
                mcp:
                  - name: orders
                    command: [node, server.js]
            evaluators:
              - type: contains
                value: x
            """);

        var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, TestSettings.With()));

        Assert.Contains("models[0].mcp[0]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("give 'command'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("models[0].mcp[1]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("models[1].mcp", ex.Message, StringComparison.Ordinal);
    }
}
