using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Yaml;

/// <summary>
/// A YAML mapping of a suite file, read with its location: every wrong key, wrong type or bad value becomes a
/// <see cref="SuiteException"/> naming file, line, column and the field path, and <c>${VAR}</c> is interpolated.
/// With a <see cref="ProblemList"/>, problems that leave the rest readable (unknown and duplicate keys) are added to it
/// instead, so that one pass finds them all.
/// </summary>
internal sealed partial class YamlMap
{
    private readonly YamlMappingNode _node;
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);

    public YamlMap(YamlMappingNode node, string file, string path, Settings settings, ProblemList? problems = null)
    {
        _node = node;
        File = file;
        Path = path;
        Settings = settings;
        Problems = problems;
        foreach (var (key, value) in node.Children)
        {
            if (key is not YamlScalarNode scalar || scalar.Value is null)
            {
                Report(new SuiteException(Location(key, path), "keys must be plain strings"));
            }
            else if (!_entries.TryAdd(scalar.Value, (scalar, value)))
            {
                Report(new SuiteException(Location(key, Join(scalar.Value)), $"duplicate key '{scalar.Value}'"));
            }
        }
    }

    /// <summary>Where problems are collected; null when the first problem throws.</summary>
    public ProblemList? Problems { get; }

    public string File { get; }

    public string Path { get; }

    public Settings Settings { get; }

    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>Whether the mapping stands for a plain value of the suite (a file named by a string), so errors name the value itself.</summary>
    public bool Scalar { get; init; }

    public SourceLocation Here => Location(_node, Path.Length == 0 ? null : Path);

    public bool Has(string key) => _entries.ContainsKey(key);

    public string Join(string key) => Scalar ? Path : Path.Length == 0 ? key : $"{Path}.{key}";

    public SourceLocation Location(YamlNode node, string? field) =>
        new(File, (int)node.Start.Line, (int)node.Start.Column, string.IsNullOrEmpty(field) ? null : field);

    public SourceLocation LocationOf(string key) =>
        _entries.TryGetValue(key, out var entry) ? Location(entry.Value, Join(key)) : Here with { Field = Join(key) };

    public SuiteException Error(string key, string message) => new(LocationOf(key), message);

    /// <summary>Rejects keys outside <paramref name="allowed"/>, suggesting the closest one.</summary>
    public void AllowOnly(IReadOnlyCollection<string> allowed)
    {
        foreach (var (name, (key, _)) in _entries)
        {
            if (!allowed.Contains(name))
            {
                Report(new SuiteException(
                    Location(key, Join(name)),
                    $"unknown key '{name}'{Suggest.DidYouMean(name, allowed)}; allowed here: {string.Join(", ", allowed)}"));
            }
        }
    }

    /// <summary>
    /// Reads one value; when problems are collected, a problem is added and <paramref name="fallback"/> returned so the
    /// reader goes on to the next value.
    /// </summary>
    public T Try<T>(Func<T> read, T fallback) => Problems is null ? read() : Problems.Try(read, fallback);

    private void Report(SuiteException problem)
    {
        if (Problems is null)
        {
            throw problem;
        }

        Problems.Add(problem);
    }

    public YamlNode? Node(string key) => _entries.TryGetValue(key, out var entry) && !IsNull(entry.Value) ? entry.Value : null;

    public string? String(string key, Secrecy secrecy = Secrecy.ByVariableName)
    {
        if (Node(key) is not { } node)
        {
            return null;
        }

        if (node is not YamlScalarNode scalar)
        {
            throw Error(key, $"must be a string, not {Describe(node)}");
        }

        return Interpolate(scalar.Value ?? string.Empty, LocationOf(key), secrecy);
    }

    public string RequireString(string key, string hint, Secrecy secrecy = Secrecy.ByVariableName) =>
        String(key, secrecy) is { Length: > 0 } value ? value : throw new SuiteException(Has(key) ? LocationOf(key) : Here with { Field = Join(key) }, $"'{key}' is required: {hint}");

    public int? Int(string key, int min, int max = int.MaxValue)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(key, $"must be a whole number from {min} to {(max == int.MaxValue ? "any" : max)}, not '{text}'");
    }

    public double? Double(string key, double min = double.MinValue, double max = double.MaxValue)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(key, max == double.MaxValue ? $"must be a number of at least {min}, not '{text}'" : $"must be a number from {min} to {max}, not '{text}'");
    }

    public bool? Bool(string key)
    {
        return String(key) switch
        {
            null => null,
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            var text => throw Error(key, $"must be true or false, not '{text}'"),
        };
    }

    /// <summary>A duration: <c>30s</c>, <c>500ms</c>, <c>2m</c>, or a plain number of seconds.</summary>
    public TimeSpan? Duration(string key)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        var duration = ValueText.ParseDuration(text)
            ?? throw Error(key, $"must be a duration such as 30s, 500ms or 2m, not '{text}'");
        return duration > TimeSpan.Zero ? duration : throw Error(key, "must be more than zero");
    }

    /// <summary>A string or a list of strings.</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        switch (Node(key))
        {
            case null:
                return null;
            case YamlScalarNode:
                return [String(key)!];
            case YamlSequenceNode sequence:
                var list = new List<string>();
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    list.Add(item is YamlScalarNode scalar
                        ? Interpolate(scalar.Value ?? string.Empty, Location(item, $"{Join(key)}[{index}]"), Secrecy.ByVariableName)
                        : throw new SuiteException(Location(item, $"{Join(key)}[{index}]"), $"must be a string, not {Describe(item)}"));
                    index++;
                }

                return list;
            case var other:
                throw Error(key, $"must be a string or a list of strings, not {Describe(other)}");
        }
    }

    public YamlMap? Map(string key) => Node(key) switch
    {
        null => null,
        YamlMappingNode mapping => new YamlMap(mapping, File, Join(key), Settings, Problems),
        var other => throw Error(key, $"must be a mapping (key: value lines), not {Describe(other)}"),
    };

    public IList<YamlNode>? Sequence(string key) => Node(key) switch
    {
        null => null,
        YamlSequenceNode sequence => sequence.Children,
        var other => throw Error(key, $"must be a list, not {Describe(other)}"),
    };

    /// <summary>Each item of a list of mappings, with its path (<c>models[1]</c>).</summary>
    public IEnumerable<YamlMap> Maps(string key)
    {
        var index = 0;
        foreach (var item in Sequence(key) ?? [])
        {
            var path = $"{Join(key)}[{index}]";
            index++;
            if (item is YamlMappingNode mapping)
            {
                yield return new YamlMap(mapping, File, path, Settings, Problems);
            }
            else
            {
                Report(new SuiteException(Location(item, path), $"must be a mapping, not {Describe(item)}"));
            }
        }
    }

    /// <summary>A mapping of string values (headers), each interpolated with the secrecy its name gives it.</summary>
    public IReadOnlyDictionary<string, string>? StringMap(string key, Func<string, Secrecy> secrecyOf)
    {
        if (Map(key) is not { } map)
        {
            return null;
        }

        return map.Keys.ToDictionary(name => name, name => map.String(name, secrecyOf(name)) ?? string.Empty, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Replaces <c>${NAME}</c> and <c>${NAME:-default}</c> with environment values.</summary>
    public string Interpolate(string text, SourceLocation at, Secrecy secrecy)
    {
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            if (secrecy == Secrecy.Secret)
            {
                Settings.AddSecret(text);
            }

            return text;
        }

        var result = Variable().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            var value = secrecy switch
            {
                Secrecy.Secret or Secrecy.SecretVariables => Settings.GetSecret(name),
                Secrecy.NotSecret => Settings.GetNotSecret(name),
                _ => Settings.Get(name),
            };
            if (value is null && match.Groups[2].Success)
            {
                value = match.Groups[3].Value;
            }

            return value ?? throw new SuiteException(at, $"environment variable '{name}' is not set (write ${{{name}:-default}} to give a default)");
        });
        if (secrecy == Secrecy.Secret)
        {
            Settings.AddSecret(result);
        }

        return result;
    }

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any, Value: "" or "~" or "null" };

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "a value",
    };

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}")]
    private static partial Regex Variable();

}
