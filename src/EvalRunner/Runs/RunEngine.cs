using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Suites;

namespace EvalRunner.Runs;

/// <summary>
/// Runs a suite: every datapoint × model config, with bounded concurrency; each row is written to
/// <c>results.jsonl</c> as it finishes, and <c>run.json</c> holds the aggregates and the verdict at the end.
/// A cancelled or crashed run keeps every finished row.
/// </summary>
public sealed partial class RunEngine
{
    private static readonly JsonSerializerOptions RunJsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly Settings _settings;
    private readonly TimeProvider _time;

    /// <summary>An engine that reads secrets through <paramref name="settings"/> and the clock through <paramref name="timeProvider"/>.</summary>
    public RunEngine(Settings settings, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Counts the datapoints, checking every one (format, fields, duplicate ids) without generating anything.</summary>
    /// <exception cref="DatasetException">A datapoint is malformed or an id repeats.</exception>
    public static async Task<int> CountDatapointsAsync(Suite suite, DatapointFilter? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suite);
        var count = 0;
        await foreach (var datapoint in suite.ReadDatapointsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (filter?.Matches(datapoint) != false)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Runs the suite and decides it.</summary>
    /// <exception cref="DatasetException">The dataset is malformed; found before any generation starts.</exception>
    public async Task<RunResult> RunAsync(Suite suite, RunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(request);

        // The whole dataset is checked before the first paid generation.
        var datapoints = await CountDatapointsAsync(suite, request.Filter, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(request.OutputDirectory);
        var started = _time.GetUtcNow();
        var tally = new RunTally(suite);
        request.Observer?.Started(datapoints * suite.Models.Count);

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var generators = suite.Models.Select(model => Generator.Create(model, _settings, http)).ToList();
        var channel = Channel.CreateBounded<Row>(new BoundedChannelOptions(256) { SingleReader = true });
        var resultsPath = Path.Combine(request.OutputDirectory, "results.jsonl");
        var writer = WriteRowsAsync(channel.Reader, resultsPath, tally, request.Observer);

        string? stopped = null;
        try
        {
            await Parallel.ForEachAsync(
                    WorkAsync(suite, request.Filter, generators, cancellationToken),
                    new ParallelOptions { MaxDegreeOfParallelism = request.Concurrency ?? suite.Options.Concurrency, CancellationToken = cancellationToken },
                    async (work, token) => await channel.Writer.WriteAsync(await RunRowAsync(suite, work.Datapoint, work.Generator, token).ConfigureAwait(false), token).ConfigureAwait(false))
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stopped = "cancelled";
        }
        catch (DatasetException ex)
        {
            // The file changed between the check and the run: keep what finished and say why it stopped.
            stopped = ex.Message;
        }
        finally
        {
            channel.Writer.TryComplete();
            await writer.ConfigureAwait(false);
            foreach (var generator in generators)
            {
                generator.Dispose();
            }

            // Python workers end with the run (a later run starts them again); nothing else is disposed here.
            foreach (var evaluator in suite.Evaluators.OfType<IAsyncDisposable>())
            {
                await evaluator.DisposeAsync().ConfigureAwait(false);
            }
        }

        var result = tally.Decide(stopped, cancellationToken.IsCancellationRequested) with
        {
            StartedAt = started,
            FinishedAt = _time.GetUtcNow(),
            OutputDirectory = request.OutputDirectory,
        };
        await WriteRunJsonAsync(result, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    /// <summary>Writes <c>run.json</c> into the result's output directory.</summary>
    public static async Task WriteRunJsonAsync(RunResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        var path = Path.Combine(result.OutputDirectory, "run.json");
        var stream = File.Create(path);
        await using (stream.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(stream, result, RunJsonOptions, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a <c>run.json</c>.</summary>
    public static async Task<RunResult> ReadRunJsonAsync(string directory, CancellationToken cancellationToken)
    {
        var stream = File.OpenRead(Path.Combine(directory, "run.json"));
        await using (stream.ConfigureAwait(false))
        {
            var result = await JsonSerializer.DeserializeAsync<RunResult>(stream, RunJsonOptions, cancellationToken).ConfigureAwait(false);
            return result! with { OutputDirectory = directory };
        }
    }

    private static async IAsyncEnumerable<(Datapoint Datapoint, Generator Generator)> WorkAsync(
        Suite suite, DatapointFilter? filter, List<Generator> generators, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var datapoint in suite.ReadDatapointsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (filter?.Matches(datapoint) == false)
            {
                continue;
            }

            foreach (var generator in generators)
            {
                yield return (datapoint, generator);
            }
        }
    }

    private static async Task WriteRowsAsync(ChannelReader<Row> rows, string path, RunTally tally, IRunObserver? observer)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            await foreach (var row in rows.ReadAllAsync().ConfigureAwait(false))
            {
                RowJson.Write(json, row);
                await json.FlushAsync().ConfigureAwait(false);
                json.Reset();
                stream.WriteByte((byte)'\n');

                // Every finished row reaches the disk before the next one, so a crash loses none.
                await stream.FlushAsync().ConfigureAwait(false);
                tally.Add(row);
                observer?.RowFinished(row);
            }
        }
    }
}
