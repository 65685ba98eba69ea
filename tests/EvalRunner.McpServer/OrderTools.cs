using System.ComponentModel;

namespace EvalRunner.McpServer;

/// <summary>The test server's tools.</summary>
internal sealed class OrderTools(string? exitMarker)
{
    [Description("Finds an order by its id.")]
    public string LookupOrder([Description("The order's id")] string order_id)
    {
        CrashOnce();
        return $"order {order_id}: delivered, total 30 EUR (pid {Environment.ProcessId})";
    }

    [Description("Says who the server runs as (the MCP_TEST_USER environment variable).")]
    public string WhoAmI()
    {
        CrashOnce();
        return $"{Environment.GetEnvironmentVariables()["MCP_TEST_USER"] as string ?? "(unset)"} (pid {Environment.ProcessId})";
    }

    private void CrashOnce()
    {
        if (exitMarker is not null && !File.Exists(exitMarker))
        {
            File.WriteAllText(exitMarker, "exited");
            Environment.Exit(3);
        }
    }
}
