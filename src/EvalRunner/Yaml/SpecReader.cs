namespace EvalRunner.Yaml;

/// <summary>YAML readers that several parts share: values, URLs, programs.</summary>
internal static class SpecReader
{
    /// <summary><c>value</c> or <c>values</c>: one text or a list; empty when neither is given.</summary>
    public static IReadOnlyList<string> Values(YamlMap spec)
    {
        if (spec.Has("value") && spec.Has("values"))
        {
            throw spec.Error("values", "give either 'value' or 'values', not both");
        }

        return spec.StringList("value") ?? spec.StringList("values") ?? [];
    }

    /// <summary>
    /// A provider URL. The URL is no secret even when read from a variable with a secret-looking name, but its user info
    /// and query values (<c>?key=…</c>) are.
    /// </summary>
    public static Uri? ReadUrl(YamlMap model, string key)
    {
        var text = model.String(key, Secrecy.NotSecret);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw model.Error(key, $"'{(uri is null ? text : Redactor.ShowUrl(uri))}' is not an http(s) URL");
        }

        model.Settings.AddSecretsOf(uri);
        return uri;
    }

    /// <summary>The full path of a program: a file relative to the suite, or a name found on PATH; null when neither.</summary>
    public static string? ResolveExecutable(string program, string directory, Settings settings)
    {
        if (program.Contains('/', StringComparison.Ordinal) || program.Contains('\\', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(Path.Combine(directory, program));
            return File.Exists(full) ? full : null;
        }

        foreach (var folder in (settings.Get("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in OperatingSystem.IsWindows() ? new[] { program, program + ".exe", program + ".cmd" } : [program])
            {
                var full = Path.Combine(folder, candidate);
                if (File.Exists(full))
                {
                    return full;
                }
            }
        }

        return null;
    }

    /// <summary>Splits a command line on spaces, keeping "quoted" and 'quoted' parts together.</summary>
    public static List<string> SplitCommandLine(string text)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        char? quote = null;
        var inPart = false;
        foreach (var c in text)
        {
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inPart = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inPart)
                {
                    parts.Add(current.ToString());
                    current.Clear();
                    inPart = false;
                }
            }
            else
            {
                current.Append(c);
                inPart = true;
            }
        }

        if (inPart)
        {
            parts.Add(current.ToString());
        }

        return parts;
    }
}
