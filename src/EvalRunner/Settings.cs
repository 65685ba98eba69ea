using System.Collections;
using System.Text.RegularExpressions;

namespace EvalRunner;

/// <summary>
/// The one reader of environment variables. It remembers every value that is a secret (a credential: an API key, a
/// token, a value read for a credential field or from a variable whose name says so) so that <see cref="Redact"/> can
/// take it out of any text before that text reaches a log, a result, a cache file or a report. A value is never a
/// secret only because it comes from the environment.
/// </summary>
public sealed partial class Settings
{
    // Secrets a run may print before anything reads them (the GitHub token of the comment, the default API keys).
    private static readonly string[] KnownSecretVariables = ["GITHUB_TOKEN", "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"];

    private readonly IReadOnlyDictionary<string, string> _variables;

    /// <summary>Settings over the given variables (tests pass their own; the CLI passes the process environment).</summary>
    public Settings(IReadOnlyDictionary<string, string> variables)
    {
        _variables = variables;
        foreach (var name in KnownSecretVariables)
        {
            GetSecret(name);
        }
    }

    /// <summary>What every writer passes its text through.</summary>
    internal Redactor Redactor { get; } = new();

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
        var value = GetNotSecret(name);
        if (value is not null && LooksSecret(name))
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

    /// <summary>
    /// The value of a variable that is never a secret whatever its name (a model name, a base URL), or null when it is
    /// not set or empty.
    /// </summary>
    internal string? GetNotSecret(string name) => _variables.GetValueOrDefault(name) is { Length: > 0 } value ? value : null;

    /// <summary>Remembers a value that must never be shown (values shorter than 4 characters are ignored).</summary>
    public void AddSecret(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Redactor.Add(value);
    }

    /// <summary>Remembers the credentials a provider URL carries: its user info and its query values.</summary>
    internal void AddSecretsOf(Uri url)
    {
        foreach (var secret in Redactor.SecretsOf(url))
        {
            Redactor.Add(secret);
        }
    }

    /// <summary>Remembers the credentials a webhook URL carries: its path, user info and query values (not its host).</summary>
    internal void AddSecretsOfWebhook(Uri url)
    {
        foreach (var secret in Redactor.SecretsOfWebhook(url))
        {
            Redactor.Add(secret);
        }
    }

    /// <summary>Remembers a credential header's value, and the token after its scheme or each cookie value in it.</summary>
    internal void AddSecretsOfHeader(string value)
    {
        foreach (var secret in Redactor.SecretsOfHeader(value))
        {
            Redactor.Add(secret);
        }
    }

    /// <summary>
    /// The text with every known secret replaced by <c>***</c>: the value, its percent-encoded, hex, JSON-escaped and
    /// base64 forms, <c>Basic</c> credentials holding it, and, of a secret of 16 characters or more, every piece of 16
    /// or more characters in each of these forms. The same instance when the text holds none.
    /// </summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Redactor.Redact(text);
    }

    /// <summary>
    /// True when a name says its value is a credential: a variable's, or a header's (<c>Authorization</c>,
    /// <c>api-key</c>, <c>x-api-key</c>, <c>Cookie</c>, <c>X-Signature</c>...).
    /// </summary>
    internal static bool LooksSecret(string name) => SecretName().IsMatch(name);

    [GeneratedRegex("KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SIGNATURE", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
