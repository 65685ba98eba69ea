using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EvalRunner.Datasets;

/// <summary>
/// Reads datapoints from JSONL, JSON (a list), YAML (a list, or a mapping with <c>datapoints:</c>) or CSV
/// (columns <c>id,input,expected,tags,context.NAME</c>), one at a time: a file is never read whole.
/// </summary>
internal static class Dataset
{
    /// <summary>How a JSON dataset is read: its list is one level more than its datapoints.</summary>
    private static readonly JsonSerializerOptions JsonListOptions = new() { MaxDepth = Nesting.MaxDatapointDepth + 1 };

    /// <summary>The file extensions a dataset may have.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".jsonl", ".json", ".yaml", ".yml", ".csv"];

    /// <summary>
    /// Streams the datapoints of a file, in order. Ids missing from the file are derived from the content.
    /// </summary>
    /// <exception cref="DatasetException">The file is missing, malformed, or repeats an id; the message names file, line and field.</exception>
    public static IAsyncEnumerable<Datapoint> ReadAsync(string path, CancellationToken cancellationToken = default) =>
        ReadAsync(path, null, cancellationToken);

    /// <summary>
    /// Streams the datapoints of a file; with <paramref name="problems"/>, a malformed datapoint is added there and
    /// reading goes on, so that one pass finds every problem of the file.
    /// </summary>
    public static IAsyncEnumerable<Datapoint> ReadAsync(string path, ProblemList? problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path) || !File.Exists(path))
        {
            // The same error the reader gives, before the extension is looked at.
            return ReadAsync(new DatasetSource { Path = path }, problems, cancellationToken);
        }

        var format = DatasetSource.FormatOf(path) ?? throw new DatasetException(
            new SourceLocation(path, 0),
            $"unknown dataset format '{Path.GetExtension(path).ToLowerInvariant()}' (use {string.Join(", ", Extensions)})");
        return RejectDuplicateIdsAsync(ReadAsync(new DatasetSource { Path = path, Format = format }, problems, cancellationToken), problems, cancellationToken);
    }

    /// <summary>
    /// Streams the datapoints of one entry of a suite's <c>dataset:</c> in its format, each row through its field
    /// mapping; ids are not checked for repeats here (the suite checks them over all its entries).
    /// </summary>
    public static IAsyncEnumerable<Datapoint> ReadAsync(DatasetSource source, ProblemList? problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Path is not { } path)
        {
            return source.Inline.ToAsyncEnumerable();
        }

        if (Directory.Exists(path))
        {
            throw new DatasetException(new SourceLocation(path, 0), "is a directory, not a dataset file");
        }

        if (!File.Exists(path))
        {
            throw new DatasetException(new SourceLocation(path, 0), "dataset file not found");
        }

        var transform = TransformOf(source);
        return source.Format switch
        {
            DatasetFormat.Jsonl => ReadJsonlAsync(path, transform, problems, cancellationToken),
            DatasetFormat.Json => ReadJsonAsync(path, transform, problems, cancellationToken),
            DatasetFormat.Yaml => ReadYamlAsync(path, transform, problems, cancellationToken),
            DatasetFormat.Csv => ReadCsvAsync(path, source.Fields, problems, cancellationToken),
            _ => DatasetSource.FormatOf(path) == DatasetFormat.Json
                ? ReadJsonAsync(path, transform, problems, cancellationToken)
                : ReadJsonlAsync(path, transform, problems, cancellationToken),
        };
    }

    /// <summary>What turns one JSON row of <paramref name="source"/> into the datapoint format: its log format, its field mapping.</summary>
    private static Func<JsonElement, SourceLocation, JsonElement>? TransformOf(DatasetSource source)
    {
        var fields = source.Fields;
        return source.Format == DatasetFormat.OpenAIChat
            ? (row, location) => OpenAIChatLog.Convert(row, location) is var log && fields is not null
                ? fields.Apply(row, location, log)
                : JsonSerializer.SerializeToElement(log)
            : fields is null ? null : (row, location) => fields.Apply(row, location);
    }

    /// <summary>
    /// Parses one JSON row as <paramref name="source"/> says (its format and field mapping; plain datapoint JSON when
    /// null), as the watcher does for each line of a followed log file.
    /// </summary>
    /// <exception cref="DatasetException">The row is malformed.</exception>
    internal static Datapoint ParseRow(JsonElement row, SourceLocation location, DatasetSource? source) =>
        Convert(row, location, source is null ? null : TransformOf(source));

    /// <summary>One row as a datapoint: through <paramref name="transform"/> (a field mapping, a log format) when there is one.</summary>
    private static Datapoint Convert(JsonElement row, SourceLocation location, Func<JsonElement, SourceLocation, JsonElement>? transform) =>
        DatapointParser.Parse(transform is null ? row : transform(row, location), location);

    /// <summary>Parses one datapoint; a malformed one goes to <paramref name="problems"/> (null is returned) or is thrown.</summary>
    private static Datapoint? Parse(JsonElement element, SourceLocation location, ProblemList? problems, Func<JsonElement, SourceLocation, JsonElement>? transform = null)
    {
        try
        {
            return Convert(element, location, transform);
        }
        catch (DatasetException ex) when (problems is not null)
        {
            problems.Add(ex);
            return null;
        }
    }

    internal static IAsyncEnumerable<Datapoint> RejectDuplicateIdsAsync(IAsyncEnumerable<Datapoint> datapoints, CancellationToken cancellationToken) =>
        RejectDuplicateIdsAsync(datapoints, null, cancellationToken);

    internal static async IAsyncEnumerable<Datapoint> RejectDuplicateIdsAsync(
        IAsyncEnumerable<Datapoint> datapoints, ProblemList? problems, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A million datapoints are checked in a few tens of megabytes: each key is kept as the first 128 bits of its
        // SHA-256 (no id string stays alive) with the line it was first seen on; the file, column and field of that place
        // are kept once for all the datapoints that share them.
        var seen = new Dictionary<UInt128, (int Line, int Place)>();
        var places = new List<SourceLocation>();
        await foreach (var datapoint in datapoints.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            // Supplied responses of one datapoint from several models are rows of different model configs.
            var key = datapoint.SuppliedLog is { } log ? $"{datapoint.Id}\u0000{log.ModelConfig}" : datapoint.Id;
            var digest = Digest(key);
            if (seen.TryGetValue(digest, out var first))
            {
                var firstLocation = first.Place < 0 ? (SourceLocation?)null : places[first.Place] with { Line = first.Line };
                var where = datapoint.Location ?? new SourceLocation("dataset", 0);
                JsonlReader.Report(problems, new DatasetException(
                    where.WithField("id"),
                    $"duplicate datapoint id '{datapoint.Id}' (first seen at {firstLocation?.ToString() ?? "an earlier datapoint"}); ids must be unique"
                    + (datapoint.Id.StartsWith("dp-", StringComparison.Ordinal) ? " — two datapoints have the same content; give them ids" : string.Empty)));
                continue;
            }

            seen.Add(digest, datapoint.Location is { } location ? (location.Line, PlaceOf(places, location)) : (0, -1));
            yield return datapoint;
        }
    }

    /// <summary>The first 128 bits of a key's SHA-256: two different ids share them with a chance of one in 2^64 even among 2^32 ids.</summary>
    private static UInt128 Digest(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(key.AsSpan()), hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>The index of a location's file, column and field among <paramref name="places"/>, added when new.</summary>
    private static int PlaceOf(List<SourceLocation> places, SourceLocation location)
    {
        var place = location with { Line = 0 };

        // Datapoints of one file share their place: the last one is almost always it.
        if (places.Count > 0 && places[^1] == place)
        {
            return places.Count - 1;
        }

        var index = places.IndexOf(place);
        if (index < 0)
        {
            places.Add(place);
            index = places.Count - 1;
        }

        return index;
    }

    private static async IAsyncEnumerable<Datapoint> ReadJsonlAsync(string path, Func<JsonElement, SourceLocation, JsonElement>? transform, ProblemList? problems, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in JsonlReader.ReadAsync(path, path, problems, cancellationToken).ConfigureAwait(false))
        {
            if (Parse(row.Value, row.Location, problems, transform) is { } datapoint)
            {
                yield return datapoint;
            }
        }
    }

    private static async IAsyncEnumerable<Datapoint> ReadJsonAsync(string path, Func<JsonElement, SourceLocation, JsonElement>? transform, ProblemList? problems, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = JsonlReader.Open(path, path).BaseStream;
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
            var elements = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, JsonListOptions, cancellationToken);
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
                catch (JsonException ex) when (TooDeepLine(path) is { } deep)
                {
                    JsonlReader.Report(problems, new DatasetException(new SourceLocation(path, deep.Line, deep.Column), Nesting.DatapointTooDeep, ex));
                    yield break;
                }
                catch (JsonException ex)
                {
                    var line = (int)(ex.LineNumber ?? -1) + 1;
                    JsonlReader.Report(problems, new DatasetException(new SourceLocation(path, line, (int)(ex.BytePositionInLine ?? -1) + 1), $"not valid JSON: {ex.Message.Split(" Path:")[0]}", ex));
                    yield break;
                }
                catch (Exception ex) when (InputFile.IsReadFailure(ex) || ex is InvalidOperationException)
                {
                    JsonlReader.Report(problems, new DatasetException(InputFile.Locate(path, ex), ex is InvalidOperationException ? "not valid JSON text" : InputFile.Describe(ex), ex));
                    yield break;
                }

                Datapoint? datapoint;
                try
                {
                    JsonStrings.Check(element, new SourceLocation(path, 0, Field: $"[{index}]"));
                    datapoint = Convert(element, new SourceLocation(path, 0, Field: $"[{index}]"), transform);
                }
                catch (DatasetException ex)
                {
                    // Line numbers cost nothing on the happy path: they are found only when an error needs one.
                    var line = JsonLineOfElement(path, index);
                    JsonlReader.Report(problems, new DatasetException(ex.Location with { Line = line }, ex.Detail, ex.InnerException));
                    datapoint = null;
                }

                index++;
                if (datapoint is not null)
                {
                    yield return datapoint with { Location = new SourceLocation(path, 0, Field: $"[{index - 1}]") };
                }
            }
        }
    }

    /// <summary>Where a JSON dataset first nests a datapoint too deep (1-based line and column); null when it does not.</summary>
    private static (int Line, int Column)? TooDeepLine(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (Nesting.FindTooDeep(bytes, Nesting.MaxDatapointDepth + 1) is not { } offset)
        {
            return null;
        }

        var lineStart = bytes.AsSpan(0, (int)offset).LastIndexOf((byte)'\n') + 1;
        return (Nesting.LineOf(bytes, offset), (int)offset - lineStart + 1);
    }

    /// <summary>The 1-based line at which the element at <paramref name="index"/> of a top-level JSON list starts.</summary>
    internal static int JsonLineOfElement(string path, int index)
    {
        var all = File.ReadAllBytes(path);

        // A byte order mark is no JSON token; it is on no line of its own.
        var bytes = all.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? all.AsSpan(Encoding.UTF8.Preamble.Length) : all;
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
                return 1 + bytes[..(int)reader.TokenStartIndex].Count((byte)'\n');
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return 0;
    }

    private static async IAsyncEnumerable<Datapoint> ReadYamlAsync(string path, Func<JsonElement, SourceLocation, JsonElement>? transform, ProblemList? problems, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = JsonlReader.Open(path, path);
        var parser = new Parser(reader);
        var line = 0;
        Datapoint? Next(out bool done)
        {
            done = true;
            try
            {
                if (parser.Current is SequenceEnd)
                {
                    return null;
                }

                line = (int)parser.Current!.Start.Line;
                var location = new SourceLocation(path, line);
                var node = YamlJson.ReadNode(parser, path, Nesting.MaxDatapointDepth);
                done = false;
                var element = JsonSerializer.SerializeToElement(node);
                JsonStrings.Check(element, location);
                return Parse(element, location, problems, transform);
            }
            catch (DatasetException ex)
            {
                JsonlReader.Report(problems, ex);
                return null;
            }
            catch (YamlException ex)
            {
                JsonlReader.Report(problems, new DatasetException(new SourceLocation(path, (int)ex.Start.Line, (int)ex.Start.Column), $"not valid YAML: {ex.Message}", ex));
            }
            catch (InvalidOperationException ex)
            {
                // The YAML scanner gives up without a position on some broken input (an unclosed [ or {).
                JsonlReader.Report(problems, new DatasetException(new SourceLocation(path, line), "not valid YAML in the datapoint that starts here (an unclosed [, { or quote?)", ex));
            }
            catch (Exception ex) when (InputFile.IsReadFailure(ex))
            {
                JsonlReader.Report(problems, new DatasetException(InputFile.Locate(path, ex), InputFile.Describe(ex), ex));
            }

            done = true;
            return null;
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
        catch (InvalidOperationException ex)
        {
            throw new DatasetException(new SourceLocation(path, 1), "not valid YAML at the start of the file (an unclosed [, { or quote?)", ex);
        }
        catch (Exception ex) when (InputFile.IsReadFailure(ex))
        {
            throw new DatasetException(InputFile.Locate(path, ex), InputFile.Describe(ex), ex);
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var datapoint = Next(out var done);
            if (done)
            {
                yield break;
            }

            if (datapoint is not null)
            {
                yield return datapoint;
            }
        }
    }

    private static async IAsyncEnumerable<Datapoint> ReadCsvAsync(string path, FieldMap? fields, ProblemList? problems, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string[] known = ["id", "input", "messages", "expected", "tags", .. DatapointParser.ToolKeys, .. DatapointParser.LogKeys];

        // A bad header is reported whole (every unknown column); its rows are then only checked for their shape.
        var badHeader = false;
        await foreach (var row in CsvRows.ReadAsync(path, path, problems, cancellationToken).ConfigureAwait(false))
        {
            var header = row.Header;
            if (ReferenceEquals(row.Cells, header))
            {
                if (fields is not null)
                {
                    // The mapping names the columns; each row is checked against it.
                    continue;
                }

                for (var column = 0; column < header.Count; column++)
                {
                    var name = header[column];
                    if (!known.Contains(name) && !name.StartsWith("context.", StringComparison.Ordinal))
                    {
                        badHeader = true;
                        JsonlReader.Report(problems, new DatasetException(new SourceLocation(path, 1, column + 1, name),
                            $"unknown column '{name}'{Suggest.DidYouMean(name, known)} (columns are id, input or messages, expected, tags, expected_tool_calls, tool_results, context.NAME and the log fields "
                            + "generated_response, model, latency_ms, input_tokens, output_tokens, cost_usd, timestamp, steps, trace_id, span_id, response_id; map other names with the suite's fields:)"));
                    }
                }

                if (!header.Contains("input") && !header.Contains("messages"))
                {
                    badHeader = true;
                    JsonlReader.Report(problems, new DatasetException(new SourceLocation(path, 1, Field: "input"), "a CSV dataset needs an 'input' or a 'messages' column"));
                }

                continue;
            }

            if (badHeader)
            {
                continue;
            }

            if (fields is not null)
            {
                var cells = new System.Text.Json.Nodes.JsonObject();
                for (var column = 0; column < header.Count && column < row.Cells.Count; column++)
                {
                    if (!string.IsNullOrEmpty(row.Cells[column]))
                    {
                        cells[header[column]] = row.Cells[column];
                    }
                }

                if (Parse(JsonSerializer.SerializeToElement(cells), row.Location, problems, (element, location) => fields.Apply(element, location)) is { } mapped)
                {
                    yield return mapped;
                }

                continue;
            }

            var json = new System.Text.Json.Nodes.JsonObject();
            var context = new System.Text.Json.Nodes.JsonObject();
            for (var column = 0; column < header.Count && column < row.Cells.Count; column++)
            {
                var value = row.Cells[column];
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

            if (json["input"] is null && json["messages"] is null)
            {
                JsonlReader.Report(problems, new DatasetException(row.Location.WithField("input"), "is empty"));
                continue;
            }

            json["context"] = context;
            if (Parse(JsonSerializer.SerializeToElement(json), row.Location, problems) is { } datapoint)
            {
                yield return datapoint;
            }
        }
    }
}
