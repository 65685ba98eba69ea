using System.Net;
using EvalRunner.Reviews;

namespace EvalRunner.Cli.View;

/// <summary><c>evalrunner view [DIR...] [--listen HOST:PORT] [--suite FILE]</c>: serves the page until Ctrl-C.</summary>
internal static class ViewCommand
{
    public static async Task<int> RunAsync(ViewOptions options, string? listen, CancellationToken cancellationToken)
    {
        if (listen is not null)
        {
            if (Endpoint(listen) is not { } endpoint)
            {
                Commands.PrintError($"--listen {listen}: give an address and port, such as 127.0.0.1:8080 (or localhost:8080; port 0 picks a free one)");
                return ExitCodes.Invalid;
            }

            options = options with { Endpoint = endpoint };
        }

        if (options.Directories.FirstOrDefault(d => !Directory.Exists(d)) is { } missing)
        {
            Commands.PrintError($"{missing}: no such directory; give folders that hold runs (the --out of `evalrunner run`, CI artifacts, a watch store)");
            return ExitCodes.Invalid;
        }

        ViewServer server;
        try
        {
            server = await ViewServer.StartAsync(options, cancellationToken);
        }
        catch (EvalRunnerException ex)
        {
            Commands.PrintError(ex, options.Settings);
            return ExitCodes.Invalid;
        }
        catch (IOException ex)
        {
            Commands.PrintError($"--listen {options.Endpoint}: cannot listen there ({ex.Message})");
            return ExitCodes.Invalid;
        }

        await using (server)
        {
            if (!IPAddress.IsLoopback(options.Endpoint.Address))
            {
                Console.WriteLine($"warning: listening on {options.Endpoint}, not only on this machine: anyone who reaches it with the address below can read the results{(options.SuitePath is null ? string.Empty : " and write scores")}");
            }

            Console.WriteLine($"evalrunner view: serving the runs under {string.Join(", ", options.Directories)}; index cache {options.CacheDirectory}");
            Console.WriteLine($"open {server.Url} (Ctrl-C stops)");
            Console.Out.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: the usual way to stop a server.
            }
        }

        return ExitCodes.Passed;
    }

    /// <summary>HOST:PORT as an endpoint: an IP address, or <c>localhost</c> (loopback).</summary>
    private static IPEndPoint? Endpoint(string text)
    {
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }

        return IPEndPoint.TryParse(text, out var endpoint) && text.Contains(':', StringComparison.Ordinal) ? endpoint : null;
    }
}
