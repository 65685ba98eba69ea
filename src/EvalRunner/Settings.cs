using System.Collections;
using System.Text.RegularExpressions;

namespace EvalRunner;

/// <summary>
/// The one reader of environment variables. It remembers every value that is a secret (an API key, a token,
/// anything read for a secret field or from a variable whose name says so) so that <see cref="Redact"/> can
/// take it out of any text before that text reaches a log, a result or a report.
/// </summary>
public sealed partial class Settings
{
    private readonly IReadOnlyDictionary<string, string> _variables;
    private readonly HashSet<string> _secrets = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Settings over the given variables (tests pass their own; the CLI passes the process environment).</summary>
    public Settings(IReadOnlyDictionary<string, string> variables) => _variables = variables;

    /// <summary>A snapshot of the process environment.</summary>
    public static Settings FromEnvironment()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value)
            {
                variables[key] = value;
            }
        }

        return new Settings(variables);
    }

    /// <summary>The value of a variable, or null when it is not set or empty.</summary>
    public string? Get(string name)
    {
        var value = _variables.GetValueOrDefault(name);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (LooksSecret(name))
        {
            AddSecret(value);
        }

        return value;
    }

    /// <summary>The value of a variable that is a secret, remembered for redaction.</summary>
    public string? GetSecret(string name)
    {
        var value = Get(name);
        if (value is not null)
        {
            AddSecret(value);
        }

        return value;
    }

    /// <summary>Remembers a value that must never be shown.</summary>
    public void AddSecret(string value)
    {
        // Very short values would redact ordinary words; no real key is this short.
        if (value.Length < 4)
        {
            return;
        }

        lock (_lock)
        {
            _secrets.Add(value);
        }
    }

    /// <summary>The text with every known secret replaced by <c>***</c>.</summary>
    public string Redact(string text)
    {
        lock (_lock)
        {
            foreach (var secret in _secrets)
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }

    /// <summary>True when a variable's name says it holds a secret.</summary>
    public static bool LooksSecret(string name) => SecretName().IsMatch(name);

    [GeneratedRegex("KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
