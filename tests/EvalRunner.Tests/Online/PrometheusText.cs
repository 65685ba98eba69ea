using System.Globalization;
using System.Text.RegularExpressions;

namespace EvalRunner.Tests.Online;

/// <summary>One sample of a scrape in the Prometheus text format: its metric name, labels and value.</summary>
internal sealed partial record PrometheusText(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>The samples of a scrape, and the <c># TYPE</c> of each metric family.</summary>
    public static (List<PrometheusText> Samples, Dictionary<string, string> Types) Parse(string text)
    {
        var samples = new List<PrometheusText>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = Label().Matches(match.Groups["labels"].Value).ToDictionary(
                l => l.Groups["key"].Value,
                l => l.Groups["value"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal),
                StringComparer.Ordinal);
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var number => double.Parse(number, CultureInfo.InvariantCulture),
            };
            samples.Add(new PrometheusText(match.Groups["name"].Value, labels, value));
        }

        return (samples, types);
    }

    /// <summary>Whether every label of <paramref name="wanted"/> has its value here.</summary>
    public bool Has(params (string Key, string Value)[] wanted) =>
        wanted.All(w => Labels.TryGetValue(w.Key, out var value) && value == w.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>.*)\})?\s+(?<value>\S+)(?:\s+\d+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
