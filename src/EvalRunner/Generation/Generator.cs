using System.Diagnostics;
using EvalRunner.Caching;
using EvalRunner.Datasets;
using EvalRunner.Logs;

namespace EvalRunner.Generation;

/// <summary>Produces the <see cref="Log"/> of one datapoint for one model config.</summary>
internal abstract class Generator(ModelConfig config, Settings settings) : IDisposable
{
    public ModelConfig Config { get; } = config;

    /// <summary>The response text, the model that answered, and token counts when known.</summary>
    protected sealed record Output(string Response, string? Model = null, long? InputTokens = null, long? OutputTokens = null, bool CacheHit = false)
    {
        /// <summary>How the answer ended when it is not complete.</summary>
        public LogStatus? Status { get; init; }

        /// <summary>The trajectory of a generation with tools; null without.</summary>
        public IReadOnlyList<TrajectoryStep>? Steps { get; init; }

        /// <summary>The SHA-256 of the whole output when <see cref="Response"/> was already cut to the limit by the generator.</summary>
        public string? CutSha256 { get; init; }
    }

    /// <summary>The most bytes of one response kept (<c>run.max_output_bytes</c>).</summary>
    public int MaxOutputBytes { get; set; } = 1 << 20;

    /// <summary>Generates; every failure but the caller's cancellation becomes a log with <see cref="Log.Error"/> set.</summary>
    public async Task<Log> GenerateAsync(Datapoint datapoint, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        // The timeout runs on the run's clock, so that a test can advance it instead of waiting.
        using var timer = new CancellationTokenSource(timeout, time);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var prompt = Config.Template?.Render(datapoint);
            var output = await GenerateCoreAsync(datapoint, prompt, timeoutSource.Token).ConfigureAwait(false);
            var (response, sha256) = output.CutSha256 is { } cut ? (output.Response, cut) : OutputCap.Cut(output.Response, MaxOutputBytes);
            return new Log
            {
                ModelConfig = Config.Name,
                Model = output.Model ?? Config.Model,
                Response = response,
                Status = output.Status,
                TruncatedOutput = sha256 is not null,
                OutputSha256 = sha256,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                InputTokens = output.InputTokens,
                OutputTokens = output.OutputTokens,
                CacheHit = output.CacheHit,
                Steps = output.Steps,
            };
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var (kind, reason) = ex switch
            {
                OperationCanceledException when timer.IsCancellationRequested => (Logs.ErrorKind.Timeout, $"timed out after {timeout.TotalSeconds:0.###}s (run.timeout)"),
                CacheMissException => (Logs.ErrorKind.CacheMiss, ex.Message),
                _ => (Logs.RunError.KindOf(ex, Logs.ErrorKind.Generation), Describe(ex)),
            };
            return new Log
            {
                ModelConfig = Config.Name,
                Model = Config.Model,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                Error = new Logs.RunError
                {
                    Kind = kind,
                    Source = Config.Name,
                    Message = settings.Redact($"generation failed ({Config.Name}): {reason}"),
                    Fault = (ex as ProviderException)?.Fault,
                },
            };
        }
    }

    protected abstract Task<Output> GenerateCoreAsync(Datapoint datapoint, string? prompt, CancellationToken cancellationToken);

    protected virtual string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            var message = string.Join(' ', current.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (!messages.Contains(message))
            {
                messages.Add(message);
            }
        }

        return string.Join(" → ", messages);
    }

    public virtual void Dispose()
    {
    }
}
