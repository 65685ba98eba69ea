using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Online;

/// <summary>
/// <c>checkpoint.json</c> next to the watcher's <c>results.jsonl</c>: per followed file, the offset of the first log
/// whose row is not yet durably written. Replaced atomically; a log after the offset whose row is written anyway (the
/// watcher was killed between the row and the checkpoint) is recognised by its id in <c>results.jsonl</c>.
/// </summary>
internal static class WatchCheckpoint
{
    public const string FileName = "checkpoint.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static IReadOnlyList<FileMark> Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<FileMark>>(File.ReadAllText(path), Json) ?? [];
        }
        catch (JsonException ex)
        {
            throw new DatasetException(new SourceLocation(path, 0), $"the watcher's checkpoint is damaged ({ex.Message}); delete it to start again from the ids in results.jsonl");
        }
    }

    public static Task WriteAsync(string directory, IReadOnlyList<FileMark> marks, CancellationToken cancellationToken) =>
        AtomicFile.WriteAllTextAsync(Path.Combine(directory, FileName), JsonSerializer.Serialize(marks, Json), cancellationToken);
}
