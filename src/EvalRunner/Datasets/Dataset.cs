using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EvalRunner.Datasets;

/// <summary>
/// Reads datapoints from JSONL, JSON (a list), YAML (a list, or a mapping with <c>datapoints:</c>) or CSV
/// (columns <c>id,input,expected,tags,context.NAME</c>), one at a time: a file is never read whole.
/// </summary>
internal static class Dataset
{
    /// <summary>The file extensions a dataset may have.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".jsonl", ".json", ".yaml", ".yml", ".csv"];

    /// <summary>
    /// Streams the datapoints of a file, in order. Ids missing from the file are derived from the content.
    /// </summary>
    /// <exception cref="DatasetException">The file is missing, malformed, or repeats an id; the message names file, line and field.</exception>
    public static IAsyncEnumerable<Datapoint> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new DatasetException(new SourceLocation(path, 0), "dataset file not found");
        }

        var datapoints = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" => ReadJsonlAsync(path, cancellationToken),
            ".json" => ReadJsonAsync(path, cancellationToken),
            ".yaml" or ".yml" => ReadYamlAsync(path, cancellationToken),
            ".csv" => ReadCsvAsync(path, cancellationToken),
            var other => throw new DatasetException(
                new SourceLocation(path, 0),
                $"unknown dataset format '{other}' (use {string.Join(", ", Extensions)})"),
        };
        return RejectDuplicateIdsAsync(datapoints, cancellationToken);
    }

    internal static async IAsyncEnumerable<Datapoint> RejectDuplicateIdsAsync(
        IAsyncEnumerable<Datapoint> datapoints, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, SourceLocation?>(StringComparer.Ordinal);
        await foreach (var datapoint in datapoints.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!seen.TryAdd(datapoint.Id, datapoint.Location))
            {
                var first = seen[datapoint.Id];
                var where = datapoint.Location ?? new SourceLocation("dataset", 0);
                throw new DatasetException(
                    where.WithField("id"),
                    $"duplicate datapoint id '{datapoint.Id}' (first seen at {first?.ToString() ?? "an earlier datapoint"}); ids must be unique"
                    + (datapoint.Id.StartsWith("dp-", StringComparison.Ordinal) ? " — two datapoints have the same content; give them ids" : string.Empty));
            }

            yield return datapoint;
        }
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);

    private static async IAsyncEnumerable<Datapoint> ReadJsonlAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(OpenRead(path), Encoding.UTF8);
        var line = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var location = new SourceLocation(path, line);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException ex)
            {
                throw new DatasetException(location, $"not valid JSON: {ex.Message.Split(" Path:")[0]} (each line must be one JSON object)", ex);
            }

            using (document)
            {
                yield return DatapointParser.Parse(document.RootElement, location);
            }
        }
    }

    private static async IAsyncEnumerable<Datapoint> ReadJsonAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            var first = stream.ReadByte();
            while (first is ' ' or '\t' or '\r' or '\n' or 0xEF or 0xBB or 0xBF)
            {
                first = stream.ReadByte();
            }

            if (first != '[')
            {
                throw new DatasetException(new SourceLocation(path, 1), "a JSON dataset must be a list of datapoints ([...]); use JSONL for one object per line");
            }

            stream.Position = 0;
            var index = 0;
            var elements = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, cancellationToken: cancellationToken);
            await using var enumerator = elements.GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                JsonElement element;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    element = enumerator.Current;
                }
                catch (JsonException ex)
                {
                    var line = (int)(ex.LineNumber ?? -1) + 1;
                    throw new DatasetException(new SourceLocation(path, line, (int)(ex.BytePositionInLine ?? -1) + 1), $"not valid JSON: {ex.Message.Split(" Path:")[0]}", ex);
                }

                Datapoint datapoint;
                try
                {
                    datapoint = DatapointParser.Parse(element, new SourceLocation(path, 0, Field: $"[{index}]"));
                }
                catch (DatasetException ex)
                {
                    // Line numbers cost nothing on the happy path: they are found only when an error needs one.
                    var line = JsonLineOfElement(path, index);
                    throw new DatasetException(ex.Location with { Line = line }, ex.Message[(ex.Location.ToString().Length + 2)..], ex.InnerException);
                }

                index++;
                yield return datapoint with { Location = new SourceLocation(path, 0, Field: $"[{index - 1}]") };
            }
        }
    }

    /// <summary>The 1-based line at which the element at <paramref name="index"/> of a top-level JSON list starts.</summary>
    internal static int JsonLineOfElement(string path, int index)
    {
        var bytes = File.ReadAllBytes(path);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var seen = -1;
        while (reader.Read())
        {
            if (reader.CurrentDepth != 1 || reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                continue;
            }

            seen++;
            if (seen == index)
            {
                return 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return 0;
    }

    private static async IAsyncEnumerable<Datapoint> ReadYamlAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(OpenRead(path), Encoding.UTF8);
        var parser = new Parser(reader);
        var line = 0;
        Datapoint Next(out bool done)
        {
            try
            {
                if (parser.Current is SequenceEnd)
                {
                    done = true;
                    return null!;
                }

                line = (int)parser.Current!.Start.Line;
                var location = new SourceLocation(path, line);
                var node = YamlJson.ReadNode(parser, path);
                done = false;
                return DatapointParser.Parse(JsonSerializer.SerializeToElement(node), location);
            }
            catch (YamlException ex)
            {
                throw new DatasetException(new SourceLocation(path, (int)ex.Start.Line, (int)ex.Start.Column), $"not valid YAML: {ex.Message}", ex);
            }
            catch (InvalidOperationException ex)
            {
                // The YAML scanner gives up without a position on some broken input (an unclosed [ or {).
                throw new DatasetException(new SourceLocation(path, line), "not valid YAML in the datapoint that starts here (an unclosed [, { or quote?)", ex);
            }
        }

        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                yield break;
            }

            parser.Consume<DocumentStart>();
            if (parser.TryConsume<MappingStart>(out _))
            {
                var key = parser.Consume<Scalar>();
                if (key.Value != "datapoints")
                {
                    throw new DatasetException(new SourceLocation(path, (int)key.Start.Line, (int)key.Start.Column, key.Value),
                        $"a YAML dataset is a list of datapoints, or a mapping with one key 'datapoints'{Suggest.DidYouMean(key.Value, ["datapoints"])}");
                }
            }

            if (!parser.TryConsume<SequenceStart>(out _))
            {
                throw new DatasetException(new SourceLocation(path, (int)parser.Current!.Start.Line), "a YAML dataset must be a list of datapoints");
            }
        }
        catch (YamlException ex)
        {
            throw new DatasetException(new SourceLocation(path, (int)ex.Start.Line, (int)ex.Start.Column), $"not valid YAML: {ex.Message}", ex);
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var datapoint = Next(out var done);
            if (done)
            {
                yield break;
            }

            yield return datapoint;
        }
    }

    private static async IAsyncEnumerable<Datapoint> ReadCsvAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(OpenRead(path), Encoding.UTF8);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = false, TrimOptions = TrimOptions.None });
        if (!await csv.ReadAsync().ConfigureAwait(false))
        {
            yield break;
        }

        csv.ReadHeader();
        var header = csv.HeaderRecord ?? [];
        string[] known = ["id", "input", "expected", "tags"];
        for (var column = 0; column < header.Length; column++)
        {
            var name = header[column];
            if (!known.Contains(name) && !name.StartsWith("context.", StringComparison.Ordinal))
            {
                throw new DatasetException(new SourceLocation(path, 1, column + 1, name),
                    $"unknown column '{name}'{Suggest.DidYouMean(name, known)} (columns are id, input, expected, tags and context.NAME)");
            }
        }

        if (!header.Contains("input"))
        {
            throw new DatasetException(new SourceLocation(path, 1, Field: "input"), "a CSV dataset needs an 'input' column");
        }

        while (await csv.ReadAsync().ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var location = new SourceLocation(path, csv.Parser.RawRow);
            var json = new System.Text.Json.Nodes.JsonObject();
            var context = new System.Text.Json.Nodes.JsonObject();
            for (var column = 0; column < header.Length; column++)
            {
                var value = column < csv.Parser.Count ? csv.GetField(column) : null;
                var name = header[column];
                if (string.IsNullOrEmpty(value))
                {
                    continue;
                }

                if (name.StartsWith("context.", StringComparison.Ordinal))
                {
                    context[name["context.".Length..]] = value;
                }
                else if (name == "tags")
                {
                    json["tags"] = new System.Text.Json.Nodes.JsonArray([.. DatapointParser.SplitTags(value).Select(tag => (System.Text.Json.Nodes.JsonNode?)tag)]);
                }
                else
                {
                    json[name] = value;
                }
            }

            if (json["input"] is null)
            {
                throw new DatasetException(location.WithField("input"), "is empty");
            }

            json["context"] = context;
            yield return DatapointParser.Parse(JsonSerializer.SerializeToElement(json), location);
        }
    }
}
