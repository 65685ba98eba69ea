using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace EvalRunner.Testing;

/// <summary>
/// A real Prometheus server (the Debian package's <c>/usr/bin/prometheus</c>) on 127.0.0.1 at a free port, with the
/// configuration a test writes, its data in a temporary folder. Started ready (<c>/-/ready</c>); queried through its
/// HTTP API; killed on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    /// <summary>Where Debian's package installs it.</summary>
    public const string Executable = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusServer(Process process, TempDirectory directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
    }

    /// <summary>Whether Prometheus is installed here (tests/setup.sh installs it).</summary>
    public static bool IsInstalled => File.Exists(Executable);

    /// <summary>Its root address, such as http://127.0.0.1:41234/.</summary>
    public Uri Address { get; }

    /// <summary>What it printed so far (it logs to stderr), for a failure message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="configuration"/> (prometheus.yml) and starts Prometheus on it, waiting until it says it
    /// is ready; fails after <paramref name="timeout"/> (default 60 s) or when it exits first, with what it printed.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string configuration, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        // A free port may be taken by a test running beside this one before Prometheus binds it: then another.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortAsync(configuration, timeout, cancellationToken);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<PrometheusServer> StartOnFreePortAsync(string configuration, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var directory = new TempDirectory();
        var config = directory.File("prometheus.yml", configuration);
        var port = FreePort();
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            $"--config.file={config}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            $"--storage.tsdb.path={Path.Combine(directory.Path, "data")}",
            "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Executable} did not start");
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"));
        process.OutputDataReceived += (_, line) => server.Append(line.Data);
        process.ErrorDataReceived += (_, line) => server.Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync(timeout ?? TimeSpan.FromSeconds(60), cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs an instant query (<c>/api/v1/query</c>) and returns its <c>data.result</c>: for a vector, an array of
    /// <c>{metric, value: [time, "text"]}</c>.
    /// </summary>
    public async Task<JsonElement> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        var url = new Uri(Address, "api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var response = await _http.GetAsync(url, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Prometheus answered {(int)response.StatusCode} to {promql}: {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The value of a query whose answer is one sample; null while it has none.</summary>
    public async Task<double?> QueryValueAsync(string promql, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(promql, cancellationToken);
        return result.ValueKind == JsonValueKind.Array && result.GetArrayLength() == 1
            ? double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>
    /// Queries until the one sample of <paramref name="promql"/> is <paramref name="expected"/>; fails after
    /// <paramref name="timeout"/> (default 60 s) with the last answer, or at once when Prometheus exited.
    /// </summary>
    public async Task<double> WaitForValueAsync(string promql, double expected, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        double? last = null;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Prometheus exited with {_process.ExitCode}: {Output}");
            }

            last = await QueryValueAsync(promql, cancellationToken);
            if (last is { } value && Math.Abs(value - expected) < 1e-9)
            {
                return value;
            }

            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException($"{promql} was {last?.ToString(CultureInfo.InvariantCulture) ?? "no sample"}, not {expected.ToString(CultureInfo.InvariantCulture)}, after {deadline.Elapsed.TotalSeconds:0} s; targets: {await TargetsAsync(cancellationToken)}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>What <c>/api/v1/targets</c> says of the scrape targets (health, last error), for a failure message.</summary>
    public async Task<string> TargetsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _http.GetStringAsync(new Uri(Address, "api/v1/targets"), cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Stops Prometheus (SIGKILL: its data is thrown away) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            // Gone or going: nothing more to do.
        }

        _process.Dispose();
        _http.Dispose();
        _directory.Dispose();
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Prometheus exited with {_process.ExitCode} before it was ready: {Output}");
            }

            try
            {
                using var response = await _http.GetAsync(new Uri(Address, "-/ready"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Prometheus was not ready after {timeout.TotalSeconds:0} s: {Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>A TCP port free on 127.0.0.1 at the time of asking.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
