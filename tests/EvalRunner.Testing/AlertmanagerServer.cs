using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EvalRunner.Testing;

/// <summary>
/// A real Alertmanager (Debian's <c>prometheus-alertmanager</c>) on 127.0.0.1, clustering off, its storage in a temp
/// folder, with one route to a webhook receiver on 127.0.0.1 that records every notification it gets. Short
/// <c>group_wait</c>, <c>group_interval</c> and <c>resolve_timeout</c> make notifications come within a second or
/// two. Disposing kills the process and stops the receiver.
/// </summary>
/// <remarks>
/// A Prometheus started next to it sends its alerts here with the part of its configuration that
/// <see cref="PrometheusConfig"/> writes.
/// </remarks>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    /// <summary>Where Debian installs Alertmanager.</summary>
    public const string DefaultExecutable = "/usr/bin/prometheus-alertmanager";

    private readonly Process _process;
    private readonly WebApplication _receiver;
    private readonly TempDirectory _directory;
    private readonly StringBuilder _log;
    private readonly ConcurrentQueue<AlertmanagerNotification> _notifications;
    private readonly SemaphoreSlim _arrived;

    private AlertmanagerServer(Process process, WebApplication receiver, TempDirectory directory, StringBuilder log, ConcurrentQueue<AlertmanagerNotification> notifications, SemaphoreSlim arrived, int port)
    {
        _process = process;
        _receiver = receiver;
        _directory = directory;
        _log = log;
        _notifications = notifications;
        _arrived = arrived;
        Address = $"127.0.0.1:{port}";
        Url = new Uri($"http://{Address}/");
    }

    /// <summary><c>127.0.0.1:PORT</c>: a target of Prometheus's <c>alerting.alertmanagers</c>.</summary>
    public string Address { get; }

    /// <summary>The API's root, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Url { get; }

    /// <summary>Every notification the webhook receiver got, in order.</summary>
    public IReadOnlyList<AlertmanagerNotification> Notifications => [.. _notifications];

    /// <summary>What Alertmanager wrote to its console so far: for a test's failure message.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Whether Alertmanager is installed where Debian puts it.</summary>
    public static bool IsInstalled => File.Exists(DefaultExecutable);

    /// <summary>
    /// Starts Alertmanager and its webhook receiver, and waits until <c>/-/ready</c> answers 200.
    /// </summary>
    /// <param name="cancellationToken">Gives up on the start.</param>
    /// <param name="groupBy">The route's <c>group_by</c>; by default <c>...</c>, every alert a group of its own.</param>
    /// <param name="startTimeout">How long Alertmanager may take to be ready; 30 seconds by default.</param>
    /// <exception cref="InvalidOperationException">It exited or did not get ready in time; the message has its output.</exception>
    public static async Task<AlertmanagerServer> StartAsync(CancellationToken cancellationToken, IReadOnlyList<string>? groupBy = null, TimeSpan? startTimeout = null)
    {
        var notifications = new ConcurrentQueue<AlertmanagerNotification>();
        var arrived = new SemaphoreSlim(0);
        var (receiver, receiverUrl) = await LoopbackHost.StartAsync(
            app => app.MapPost("/alerts", async (HttpRequest request) =>
            {
                using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                notifications.Enqueue(AlertmanagerNotification.Parse(body.RootElement));
                arrived.Release();
                return Results.Ok();
            }),
            cancellationToken);
        var directory = new TempDirectory();
        var config = directory.File("alertmanager.yml", Config(new Uri(receiverUrl, "alerts"), groupBy ?? ["..."]));
        for (var attempt = 1; ; attempt++)
        {
            var log = new StringBuilder();
            Process? process = null;
            try
            {
                var port = PrometheusServer.FreePort();
                var start = new ProcessStartInfo(DefaultExecutable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var argument in new[]
                {
                    $"--config.file={config}",
                    $"--storage.path={Path.Combine(directory.Path, $"data{attempt}")}",
                    $"--web.listen-address=127.0.0.1:{port}",
                    // An empty address turns the gossip cluster off: no port beyond the API's, no peers to wait for.
                    "--cluster.listen-address=",
                    "--log.level=warn",
                })
                {
                    start.ArgumentList.Add(argument);
                }

                process = Process.Start(start) ?? throw new InvalidOperationException($"{DefaultExecutable} did not start");
                process.OutputDataReceived += (_, e) => Append(log, e.Data);
                process.ErrorDataReceived += (_, e) => Append(log, e.Data);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                var server = new AlertmanagerServer(process, receiver, directory, log, notifications, arrived, port);
                await server.WaitUntilReadyAsync(startTimeout ?? TimeSpan.FromSeconds(30), cancellationToken);
                return server;
            }
            catch (Exception ex)
            {
                if (process is not null)
                {
                    Kill(process);
                    process.Dispose();
                }

                // The free port was taken by another process between the check and the start: try another one.
                if (ex is InvalidOperationException && attempt < 3 && log.ToString().Contains("address already in use", StringComparison.Ordinal))
                {
                    continue;
                }

                await receiver.DisposeAsync();
                arrived.Dispose();
                directory.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// The part of a Prometheus configuration that sends alerts here and loads <paramref name="ruleFiles"/>: its
    /// top-level <c>rule_files:</c> and <c>alerting:</c> keys, to append to a configuration that has neither (a
    /// <c>global:</c> and <c>scrape_configs:</c>, say).
    /// </summary>
    public string PrometheusConfig(IEnumerable<string> ruleFiles)
    {
        ArgumentNullException.ThrowIfNull(ruleFiles);
        var text = new StringBuilder();
        text.Append("rule_files:\n");
        foreach (var file in ruleFiles)
        {
            // A JSON string is a YAML double-quoted scalar: any path stays one value.
            text.Append("  - ").Append(JsonSerializer.Serialize(file)).Append('\n');
        }

        text.Append("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: [").Append(JsonSerializer.Serialize(Address)).Append("]\n");
        return text.ToString();
    }

    /// <summary>
    /// Posts alerts to <c>POST /api/v2/alerts</c>, as Prometheus does. An alert whose <c>EndsAt</c> is in the past is
    /// resolved.
    /// </summary>
    /// <exception cref="HttpRequestException">Alertmanager refused them; the message has its answer.</exception>
    public async Task PostAlertsAsync(IEnumerable<AlertmanagerPostedAlert> alerts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var body = JsonSerializer.Serialize(alerts.Select(a => new Dictionary<string, object?>
        {
            ["labels"] = a.Labels,
            ["annotations"] = a.Annotations,
            ["startsAt"] = a.StartsAt?.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            ["endsAt"] = a.EndsAt?.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
        }.Where(p => p.Value is not null).ToDictionary()));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(Url, "api/v2/alerts"), content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /api/v2/alerts answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>
    /// Waits for the first notification, among those received so far and those to come, that
    /// <paramref name="match"/> accepts; fails when Alertmanager exits.
    /// </summary>
    /// <exception cref="TimeoutException">None came within <paramref name="timeout"/>; the message lists those that did.</exception>
    public async Task<AlertmanagerNotification> WaitForNotificationAsync(Func<AlertmanagerNotification, bool> match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (Notifications.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Alertmanager exited with {_process.ExitCode}: {Log}");
            }

            try
            {
                // Woken by each notification; the wait is bounded so that an exit is noticed.
                await _arrived.WaitAsync(TimeSpan.FromMilliseconds(500), deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching notification within {timeout}; received: {string.Join("; ", Notifications)}");
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        _process.Dispose();
        await _receiver.DisposeAsync();
        _arrived.Dispose();
        _directory.Dispose();
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Alertmanager exited with {_process.ExitCode} before it was ready: {Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Url, "-/ready"), deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"Alertmanager was not ready within {timeout}: {Log}");
            }

            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"Alertmanager was not ready within {timeout}: {Log}");
            }
        }
    }

    private static string Config(Uri webhook, IReadOnlyList<string> groupBy) =>
        "global:\n"
        + "  resolve_timeout: 1s\n"
        + "route:\n"
        + "  receiver: test\n"
        + $"  group_by: [{string.Join(", ", groupBy.Select(l => JsonSerializer.Serialize(l)))}]\n"
        + "  group_wait: 100ms\n"
        + "  group_interval: 500ms\n"
        + "  repeat_interval: 1h\n"
        + "receivers:\n"
        + "  - name: test\n"
        + "    webhook_configs:\n"
        + $"      - url: {JsonSerializer.Serialize(webhook.ToString())}\n"
        + "        send_resolved: true\n";


    private static void Append(StringBuilder log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
