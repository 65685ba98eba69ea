using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalRunner.Suites;

/// <summary>
/// The content hash of a suite: SHA-256 over the suite file and every file it reads (the dataset, Python evaluator
/// files, scores files, schema files; prompts and inline code are inside the suite file). Each part is hashed on its
/// own, by its path relative to the suite's folder, so that a changed hash can say which file changed. The one
/// definition of "the same suite": <c>run.json</c> records it, and <c>--resume</c> compares it.
/// </summary>
internal sealed record SuiteFingerprint
{
    /// <summary>The file <c>run</c> writes the fingerprint to when it starts, so that a killed run still has it.</summary>
    public const string File = "fingerprint.json";

    /// <summary>The hash of all parts (lower-case hex).</summary>
    public required string Hash { get; init; }

    /// <summary>Each part's hash (lower-case hex) by its path relative to the suite's folder, in the suite's order.</summary>
    public required IReadOnlyDictionary<string, string> Parts { get; init; }

    /// <summary>Hashes the suite's files as they are now.</summary>
    public static async Task<SuiteFingerprint> ComputeAsync(Suite suite, CancellationToken cancellationToken)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        var suiteFile = Path.GetFullPath(suite.Path);
        var directory = Path.GetDirectoryName(suiteFile)!;
        IEnumerable<string> files = System.IO.File.Exists(suiteFile) ? [suiteFile, .. suite.Files.Select(f => f.Path)] : suite.Files.Select(f => f.Path);
        foreach (var file in files)
        {
            var name = Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');
            if (parts.ContainsKey(name))
            {
                continue;
            }

            var stream = System.IO.File.OpenRead(file);
            await using (stream.ConfigureAwait(false))
            {
                parts[name] = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
        }

        // A model config changed on the command line is part of what the run measured: resuming with another differs.
        foreach (var change in suite.ModelOverrides)
        {
            parts[$"--model {change.Name}"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(change.Model)));
        }

        var all = new StringBuilder();
        foreach (var (name, hash) in parts)
        {
            all.Append(name).Append('\0').Append(hash).Append('\n');
        }

        return new SuiteFingerprint { Hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all.ToString()))), Parts = parts };
    }

    /// <summary>What differs from <paramref name="earlier"/>: "cases.jsonl changed", "scores.csv added", ...; empty when nothing.</summary>
    public IReadOnlyList<string> ChangesSince(SuiteFingerprint earlier)
    {
        if (earlier.Hash == Hash)
        {
            return [];
        }

        var changes = new List<string>();
        foreach (var (name, hash) in Parts)
        {
            if (!earlier.Parts.TryGetValue(name, out var before))
            {
                changes.Add($"{name} added");
            }
            else if (before != hash)
            {
                changes.Add($"{name} changed");
            }
        }

        changes.AddRange(earlier.Parts.Keys.Where(name => !Parts.ContainsKey(name)).Select(name => $"{name} removed"));
        return changes.Count > 0 ? changes : ["the suite's files are the same but its hash differs"];
    }

    /// <summary>Writes the fingerprint to <see cref="File"/> in <paramref name="directory"/>.</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        var json = new JsonObject
        {
            ["suite_hash"] = Hash,
            ["suite_parts"] = new JsonObject(Parts.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
        };
        var path = Path.Combine(directory, File);
        try
        {
            await Results.AtomicFile.WriteAllTextAsync(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Results.ResultsWriteException.IsFileFailure(ex))
        {
            throw new Results.ResultsWriteException(path, ex);
        }
    }

    /// <summary>
    /// The fingerprint an earlier run in <paramref name="directory"/> recorded (its <see cref="File"/>, else its
    /// <c>run.json</c>); null when it recorded none.
    /// </summary>
    public static SuiteFingerprint? ReadFrom(string directory)
    {
        foreach (var file in new[] { File, Results.ResultsStore.RunFile })
        {
            var path = Path.Combine(directory, file);
            if (!System.IO.File.Exists(path))
            {
                continue;
            }

            try
            {
                if (JsonNode.Parse(System.IO.File.ReadAllText(path)) is JsonObject json
                    && json["suite_hash"]?.GetValue<string>() is { } hash
                    && json["suite_parts"] is JsonObject parts)
                {
                    return new SuiteFingerprint { Hash = hash, Parts = parts.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal) };
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                // An unreadable record is no record: the other file may still have one.
            }
        }

        return null;
    }
}
