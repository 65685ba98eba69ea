using EvalRunner.Cli.Online.Otlp;
using Google.Protobuf;

namespace EvalRunner.Cli.Telemetry;

/// <summary>
/// Under the OTLP log exporter's HTTP client: counts the log records of each export that the endpoint took (2xx) and
/// of each that failed (another status, no connection, a timeout), since the exporter itself only drops a failed
/// batch. Once <see cref="Close"/> is called an export fails at once: a dead endpoint cannot hold up the end of a run.
/// </summary>
/// <remarks>The exporter sends with the synchronous <see cref="HttpClient.Send(HttpRequestMessage)"/>; both paths count.</remarks>
internal sealed class DeliveryCounter : DelegatingHandler
{
    private long _delivered;
    private long _failed;
    private volatile bool _closed;
    private volatile string? _lastFailure;
    private readonly ManualResetEventSlim _idle = new(initialState: true);
    private int _inFlight;

    public DeliveryCounter()
        : base(new SocketsHttpHandler { ConnectTimeout = OtlpExportOptions.ExportTimeout })
    {
    }

    /// <summary>Log records the endpoint took.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Log records of exports that failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Why the last export failed (<c>answered 503</c>, <c>Connection refused</c>), or null.</summary>
    public string? LastFailure => _lastFailure;

    /// <summary>From now on every export fails at once, without a connection.</summary>
    public void Close() => _closed = true;

    /// <summary>Waits until no export is on its way (at most <paramref name="timeout"/>); false when one still is.</summary>
    public bool WaitIdle(TimeSpan timeout) => _idle.Wait(timeout);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _idle.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            var records = Records(request);
            try
            {
                return Counted(base.Send(request, cancellationToken), records);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                Fail(records, ex);
                throw;
            }
        }
        finally
        {
            Leave();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            var records = Records(request);
            try
            {
                return Counted(await base.SendAsync(request, cancellationToken).ConfigureAwait(false), records);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                Fail(records, ex);
                throw;
            }
        }
        finally
        {
            Leave();
        }
    }

    // The exporter sends one batch at a time, from its own thread.
    private void Enter()
    {
        if (Interlocked.Increment(ref _inFlight) == 1)
        {
            _idle.Reset();
        }
    }

    private void Leave()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            _idle.Set();
        }
    }

    /// <summary>The log records of the export; after <see cref="Close"/> it fails here, before any connection.</summary>
    private long Records(HttpRequestMessage request)
    {
        long records = 0;
        if (request.Content is { } content)
        {
            using var body = new MemoryStream();
            content.CopyTo(body, null, CancellationToken.None);
            records = Count(body.ToArray());
        }

        if (_closed)
        {
            _lastFailure = "was not sent before the end";
            Interlocked.Add(ref _failed, records);
            throw new HttpRequestException("the export ended");
        }

        return records;
    }

    private HttpResponseMessage Counted(HttpResponseMessage response, long records)
    {
        if (response.IsSuccessStatusCode)
        {
            Interlocked.Add(ref _delivered, records);
        }
        else
        {
            _lastFailure = $"answered {(int)response.StatusCode}";
            Interlocked.Add(ref _failed, records);
        }

        return response;
    }

    private void Fail(long records, Exception exception)
    {
        _lastFailure = exception is OperationCanceledException ? "timed out" : $"failed: {exception.Message}";
        Interlocked.Add(ref _failed, records);
    }

    /// <summary>The log records of an OTLP ExportLogsServiceRequest in protobuf; 0 when it is not one.</summary>
    private static long Count(byte[] body)
    {
        try
        {
            return ExportLogsServiceRequest.Parser.ParseFrom(body).ResourceLogs.SelectMany(r => r.ScopeLogs).Sum(s => (long)s.LogRecords.Count);
        }
        catch (InvalidProtocolBufferException)
        {
            return 0;
        }
    }
}
