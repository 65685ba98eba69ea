using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalRunner;

/// <summary>
/// Takes every known secret out of text before the text is written anywhere, in each form a provider, a proxy or a
/// log may show it: the value itself, URL-encoded, base64 (standard and URL-safe, padded or not, also inside a longer
/// base64 text), the whole token of <c>Basic base64(user:secret)</c>, and any run of 8 or more characters of the head or
/// tail of a secret of 16 characters or more (a truncated echo such as <c>sk-test-EVAL…</c>). Each becomes
/// <see cref="Marker"/>. Safe to use from any thread; secrets may be added while other threads redact.
/// </summary>
internal sealed class Redactor
{
    /// <summary>What replaces a secret.</summary>
    public const string Marker = "***";

    // Very short values would redact ordinary words; no real key is this short.
    private const int MinimumLength = 4;

    // A head or tail shorter than this is too likely to occur by chance (and shows too little of the secret to matter).
    private const int FragmentLength = 8;
    private const int FragmentSecretLength = 16;

    private static readonly string[] BasicSchemes = ["Basic ", "basic ", "BASIC "];

    private readonly Lock _lock = new();
    private Patterns _patterns = Patterns.Empty;

    /// <summary>Remembers a value that must never be shown; values shorter than 4 characters are ignored.</summary>
    public void Add(string secret)
    {
        if (secret.Length < MinimumLength)
        {
            return;
        }

        lock (_lock)
        {
            if (!_patterns.Secrets.Contains(secret))
            {
                // Copy on write: a redaction in flight keeps the patterns it started with, and needs no lock.
                Volatile.Write(ref _patterns, Patterns.Build([.. _patterns.Secrets, secret]));
            }
        }
    }

    /// <summary>The text with every form of every known secret replaced by <see cref="Marker"/>; the same instance when none is in it.</summary>
    public string Redact(string text)
    {
        var patterns = Volatile.Read(ref _patterns);
        return patterns.Anchors is null || text.AsSpan().IndexOfAny(patterns.Anchors) < 0 ? text : patterns.Apply(text);
    }

    /// <summary>Redacts every string value (not property names) of a JSON tree in place.</summary>
    public void Redact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject json:
                foreach (var (name, child) in json.ToList())
                {
                    if (Replacement(child) is { } replacement)
                    {
                        json[name] = replacement;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Replacement(array[i]) is { } replacement)
                    {
                        array[i] = replacement;
                    }
                }

                break;
        }
    }

    /// <summary>
    /// How a provider URL is shown: without user info, and with every query value but <c>api-version</c> as
    /// <see cref="Marker"/> (they are where keys go: <c>?key=…</c>).
    /// </summary>
    public static string ShowUrl(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            return url.OriginalString;
        }

        var query = url.Query.Length <= 1 ? url.Query : "?" + string.Join('&', url.Query[1..].Split('&').Select(pair =>
            pair.IndexOf('=', StringComparison.Ordinal) is var at and >= 0 && !IsPublicQueryParameter(pair[..at]) ? pair[..(at + 1)] + Marker : pair));
        return $"{url.Scheme}://{url.Authority}{url.AbsolutePath}{query}{url.Fragment}";
    }

    /// <summary>The secrets a provider URL carries: the password of its user info (or the user alone: a token), and its query values.</summary>
    public static IEnumerable<string> SecretsOf(Uri url)
    {
        if (!url.IsAbsoluteUri)
        {
            yield break;
        }

        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var secret = colon < 0 ? url.UserInfo : url.UserInfo[(colon + 1)..];
            yield return secret;
            yield return Uri.UnescapeDataString(secret);
        }

        if (url.Query.Length > 1)
        {
            foreach (var pair in url.Query[1..].Split('&'))
            {
                var at = pair.IndexOf('=', StringComparison.Ordinal);
                if (at >= 0 && !IsPublicQueryParameter(pair[..at]))
                {
                    yield return pair[(at + 1)..];
                    yield return Uri.UnescapeDataString(pair[(at + 1)..].Replace('+', ' '));
                }
            }
        }
    }

    // Azure OpenAI's api-version is a public date, not a credential; redacting it would redact dates everywhere.
    private static bool IsPublicQueryParameter(string name) => name.Equals("api-version", StringComparison.OrdinalIgnoreCase);

    private JsonValue? Replacement(JsonNode? node)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            var redacted = Redact(text);
            return ReferenceEquals(text, redacted) ? null : JsonValue.Create(redacted);
        }

        Redact(node);
        return null;
    }

    /// <summary>Everything precomputed from the secrets: built once per added secret, read by every redaction.</summary>
    private sealed class Patterns
    {
        public static readonly Patterns Empty = new([], [], [], null);

        private Patterns(string[] secrets, string[] literals, Fragment[] fragments, SearchValues<string>? anchors)
        {
            Secrets = secrets;
            Literals = literals;
            Fragments = fragments;
            Anchors = anchors;
        }

        public string[] Secrets { get; }

        /// <summary>Every form to replace as it is, longest first (so that a longer form is not cut by a shorter one).</summary>
        public string[] Literals { get; }

        public Fragment[] Fragments { get; }

        /// <summary>Whatever any redaction starts from; text without any of them is returned at once.</summary>
        public SearchValues<string>? Anchors { get; }

        public static Patterns Build(string[] secrets)
        {
            var literals = new HashSet<string>(StringComparer.Ordinal);
            var fragments = new List<Fragment>();
            foreach (var secret in secrets)
            {
                AddForms(literals, secret);
                if (secret.Length >= FragmentSecretLength)
                {
                    fragments.Add(new Fragment(secret, secret[..FragmentLength], Head: true));
                    fragments.Add(new Fragment(secret, secret[^FragmentLength..], Head: false));
                }
            }

            var ordered = literals.OrderByDescending(l => l.Length).ThenBy(l => l, StringComparer.Ordinal).ToArray();
            string[] anchors = [.. ordered, .. fragments.Select(f => f.Anchor), .. BasicSchemes];
            return new Patterns(secrets, ordered, [.. fragments], SearchValues.Create(anchors.Distinct(StringComparer.Ordinal).ToArray(), StringComparison.Ordinal));
        }

        public string Apply(string text)
        {
            var result = RedactBasicCredentials(text);
            foreach (var literal in Literals)
            {
                if (result.Contains(literal, StringComparison.Ordinal))
                {
                    result = result.Replace(literal, Marker, StringComparison.Ordinal);
                }
            }

            foreach (var fragment in Fragments)
            {
                result = fragment.Head ? RedactHeads(result, fragment) : RedactTails(result, fragment);
            }

            return result;
        }

        private static void AddForms(HashSet<string> literals, string secret)
        {
            literals.Add(secret);
            foreach (var encoded in new[] { Uri.EscapeDataString(secret), WebUtility.UrlEncode(secret) })
            {
                literals.Add(encoded);
                literals.Add(LowerHexEscapes(encoded));
            }

            var bytes = Encoding.UTF8.GetBytes(secret);
            var base64 = Convert.ToBase64String(bytes);
            AddBase64(literals, base64);
            AddBase64(literals, base64.TrimEnd('='));

            // Inside a longer base64 text (base64 of "user:secret", of a JSON body...) the secret starts at one of three
            // byte offsets; the characters that only its bytes decide are the same wherever it is.
            if (secret.Length >= FragmentLength)
            {
                for (var offset = 0; offset < 3; offset++)
                {
                    var shifted = Convert.ToBase64String([.. new byte[offset], .. bytes]);
                    var start = ((offset * 8) + 5) / 6;
                    var end = (offset + bytes.Length) * 8 / 6;
                    if (end - start >= FragmentLength)
                    {
                        AddBase64(literals, shifted[start..end]);
                    }
                }
            }
        }

        private static void AddBase64(HashSet<string> literals, string base64)
        {
            literals.Add(base64);
            literals.Add(base64.Replace('+', '-').Replace('/', '_'));
        }

        private static string LowerHexEscapes(string text)
        {
            var chars = text.ToCharArray();
            for (var i = 0; i < chars.Length - 2; i++)
            {
                if (chars[i] == '%')
                {
                    chars[i + 1] = char.ToLowerInvariant(chars[i + 1]);
                    chars[i + 2] = char.ToLowerInvariant(chars[i + 2]);
                }
            }

            return new string(chars);
        }

        /// <summary>Replaces the whole token after <c>Basic </c> when it decodes to text holding a secret.</summary>
        private string RedactBasicCredentials(string text)
        {
            StringBuilder? result = null;
            var copied = 0;
            var at = 0;
            while (at < text.Length && text.IndexOf("Basic ", at, StringComparison.OrdinalIgnoreCase) is var scheme and >= 0)
            {
                var start = scheme + "Basic ".Length;
                while (start < text.Length && text[start] == ' ')
                {
                    start++;
                }

                var end = start;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '+' or '/' or '=' or '-' or '_'))
                {
                    end++;
                }

                if (end > start && DecodesToSecret(text.AsSpan(start, end - start)))
                {
                    result ??= new StringBuilder(text.Length);
                    result.Append(text, copied, start - copied).Append(Marker);
                    copied = end;
                }

                at = Math.Max(end, scheme + 1);
            }

            return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
        }

        private bool DecodesToSecret(ReadOnlySpan<char> token)
        {
            var trimmed = token.TrimEnd('=');
            if (trimmed.Length % 4 == 1)
            {
                return false;
            }

            var padded = new char[(trimmed.Length + 3) / 4 * 4];
            padded.AsSpan().Fill('=');
            trimmed.CopyTo(padded);
            for (var i = 0; i < trimmed.Length; i++)
            {
                padded[i] = padded[i] switch { '-' => '+', '_' => '/', var c => c };
            }

            var bytes = new byte[padded.Length / 4 * 3];
            if (!Convert.TryFromBase64Chars(padded, bytes, out var written))
            {
                return false;
            }

            var decoded = Encoding.UTF8.GetString(bytes, 0, written);
            return Secrets.Any(secret => decoded.Contains(secret, StringComparison.Ordinal));
        }

        /// <summary>Replaces each run that starts with the secret's first 8 characters and goes on agreeing with the secret.</summary>
        private static string RedactHeads(string text, Fragment fragment)
        {
            StringBuilder? result = null;
            var copied = 0;
            while (copied < text.Length && text.IndexOf(fragment.Anchor, copied, StringComparison.Ordinal) is var at and >= 0)
            {
                var end = at + FragmentLength;
                for (var k = FragmentLength; end < text.Length && k < fragment.Secret.Length && text[end] == fragment.Secret[k]; k++)
                {
                    end++;
                }

                result ??= new StringBuilder(text.Length);
                result.Append(text, copied, at - copied).Append(Marker);
                copied = end;
            }

            return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
        }

        /// <summary>Replaces each run that ends with the secret's last 8 characters and, read backwards, agrees with the secret.</summary>
        private static string RedactTails(string text, Fragment fragment)
        {
            StringBuilder? result = null;
            var copied = 0;
            while (copied < text.Length && text.IndexOf(fragment.Anchor, copied, StringComparison.Ordinal) is var at and >= 0)
            {
                var start = at;
                for (var k = fragment.Secret.Length - FragmentLength - 1; start > copied && k >= 0 && text[start - 1] == fragment.Secret[k]; k--)
                {
                    start--;
                }

                result ??= new StringBuilder(text.Length);
                result.Append(text, copied, start - copied).Append(Marker);
                copied = at + FragmentLength;
            }

            return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
        }
    }

    private readonly record struct Fragment(string Secret, string Anchor, bool Head);
}
