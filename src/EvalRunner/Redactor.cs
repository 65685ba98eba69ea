using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalRunner;

/// <summary>
/// Takes every known secret out of text before the text is written anywhere, in each form a provider, a proxy or a
/// log may show it: the value itself, percent-encoded (in full or only where a URL needs it, either case), hex (either
/// case), JSON <c>\u</c> escapes, base64 (standard and URL-safe, padded or not, also inside a longer base64 text at
/// any byte offset), and the whole token of <c>Basic base64(user:secret)</c>. Of a secret of 16 characters or more,
/// every piece of 16 or more of its characters is taken out too, in each of these forms (a truncated or partial
/// echo); a shorter piece, such as a key's generic head <c>sk-proj-</c>, is not a secret. Each becomes
/// <see cref="Marker"/>. Safe to use from any thread; secrets may be added while other threads redact.
/// </summary>
internal sealed class Redactor
{
    /// <summary>What replaces a secret.</summary>
    public const string Marker = "***";

    // Very short values would redact ordinary words; no real key is this short.
    private const int MinimumLength = 4;

    // A piece of a secret this long is the secret's alone; a shorter one (a key's head such as "sk-proj-") is not.
    private const int PieceLength = 16;

    // The base64 characters that only a piece's 16 bytes decide, at any byte offset, are at least 20; 16 of them (96
    // bits of the secret) never occur by chance.
    private const int Base64PieceLength = 16;

    // Fewer base64 characters of a short secret, inside a longer base64 text, are too likely to occur by chance.
    private const int MinimumBase64Length = 8;

    private static readonly string[] BasicSchemes = ["Basic ", "basic ", "BASIC "];

    private static readonly SearchValues<char> AsciiLetters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

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

    /// <summary>
    /// The secrets a credential header's value carries: the credentials after its scheme (<c>Bearer TOKEN</c>: the
    /// scheme is no secret), or else the whole value, and each value of a cookie list (<c>session=VALUE; other=VALUE</c>).
    /// </summary>
    public static IEnumerable<string> SecretsOfHeader(string value)
    {
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        yield return space > 0 && !value.AsSpan(0, space).ContainsAnyExcept(AsciiLetters) ? value[(space + 1)..].Trim() : value;

        foreach (var part in value.Split(';'))
        {
            if (part.IndexOf('=', StringComparison.Ordinal) is var at and > 0)
            {
                yield return part[(at + 1)..].Trim();
            }
        }
    }

    /// <summary>
    /// The secrets of a webhook URL: its path (Slack's and others' credential), its user info and its query values. Its
    /// scheme, host and port are not secrets.
    /// </summary>
    public static IEnumerable<string> SecretsOfWebhook(Uri url)
    {
        if (url.IsAbsoluteUri && url.AbsolutePath.Length > 1)
        {
            yield return url.AbsolutePath;
            yield return Uri.UnescapeDataString(url.AbsolutePath);
        }

        foreach (var secret in SecretsOf(url))
        {
            yield return secret;
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
        public static readonly Patterns Empty = new([], [], new Dictionary<string, Anchor[]>(StringComparer.Ordinal), null);

        private readonly Form[] _forms;
        private readonly Dictionary<string, Anchor[]>.AlternateLookup<ReadOnlySpan<char>> _anchorsByText;
        private readonly int[] _anchorLengths;

        private Patterns(string[] secrets, Form[] forms, Dictionary<string, Anchor[]> anchors, SearchValues<string>? search)
        {
            Secrets = secrets;
            _forms = forms;
            _anchorsByText = anchors.GetAlternateLookup<ReadOnlySpan<char>>();
            _anchorLengths = [.. anchors.Keys.Select(a => a.Length).Distinct().Order()];
            Anchors = search;
        }

        public string[] Secrets { get; }

        /// <summary>Whatever any redaction starts from; text without any of them is returned at once.</summary>
        public SearchValues<string>? Anchors { get; }

        public static Patterns Build(string[] secrets)
        {
            var forms = new List<Form>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var secret in secrets)
            {
                foreach (var form in Form.Of(secret))
                {
                    if (seen.Add(form.Text))
                    {
                        forms.Add(form);
                    }
                }
            }

            // A piece of a form long enough to be redacted holds one of its anchors: substrings of half a piece's
            // length, one every (piece - anchor + 1) characters. Only where an anchor is found is the text compared.
            var anchors = new Dictionary<string, List<Anchor>>(StringComparer.Ordinal);
            for (var f = 0; f < forms.Count; f++)
            {
                var form = forms[f];
                var length = form.ShortestPiece >= PieceLength ? (form.ShortestPiece + 1) / 2 : form.ShortestPiece;
                var step = form.ShortestPiece - length + 1;
                for (var at = 0; at + length <= form.Text.Length; at += step)
                {
                    var text = form.Text.Substring(at, length);
                    if (!anchors.TryGetValue(text, out var list))
                    {
                        anchors[text] = list = [];
                    }

                    list.Add(new Anchor(f, at));
                }
            }

            var byText = anchors.ToDictionary(a => a.Key, a => a.Value.ToArray(), StringComparer.Ordinal);
            string[] search = [.. byText.Keys, .. BasicSchemes];
            return new Patterns(secrets, [.. forms], byText, SearchValues.Create(search.Distinct(StringComparer.Ordinal).ToArray(), StringComparison.Ordinal));
        }

        public string Apply(string text)
        {
            var result = RedactBasicCredentials(text);
            var ranges = FindPieces(result);
            if (ranges is null)
            {
                return result;
            }

            ranges.Sort();
            var builder = new StringBuilder(result.Length);
            var copied = 0;
            var i = 0;
            while (i < ranges.Count)
            {
                var (start, end) = ranges[i];
                for (i++; i < ranges.Count && ranges[i].Start <= end; i++)
                {
                    end = Math.Max(end, ranges[i].End);
                }

                builder.Append(result, copied, start - copied).Append(Marker);
                copied = end;
            }

            return builder.Append(result, copied, result.Length - copied).ToString();
        }

        /// <summary>Where the text holds a long enough piece of a form: each anchor found, grown as far as the text goes on agreeing with its form.</summary>
        private List<(int Start, int End)>? FindPieces(string text)
        {
            List<(int Start, int End)>? ranges = null;
            var span = text.AsSpan();
            var from = 0;
            while (from < span.Length && span[from..].IndexOfAny(Anchors!) is var found and >= 0)
            {
                var at = from + found;
                foreach (var length in _anchorLengths)
                {
                    if (at + length > span.Length)
                    {
                        break;
                    }

                    if (!_anchorsByText.TryGetValue(span.Slice(at, length), out var hits))
                    {
                        continue;
                    }

                    foreach (var (f, offset) in hits)
                    {
                        var form = _forms[f];
                        var (left, start) = (offset, at);
                        while (left > 0 && start > 0 && span[start - 1] == form.Text[left - 1])
                        {
                            left--;
                            start--;
                        }

                        var (right, end) = (offset + length, at + length);
                        while (right < form.Text.Length && end < span.Length && span[end] == form.Text[right])
                        {
                            right++;
                            end++;
                        }

                        if (form.Covers(left, right))
                        {
                            (ranges ??= []).Add((start, end));
                        }
                    }
                }

                from = at + 1;
            }

            return ranges;
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
    }

    /// <summary>Where an anchor is in a form.</summary>
    private readonly record struct Anchor(int Form, int Offset);

    /// <summary>
    /// One encoding of one secret: its text, made of units (the encoding of each character of the secret, or each
    /// base64 character), and how many whole units a piece of it must hold to be redacted.
    /// </summary>
    private sealed class Form
    {
        private readonly int[]? _unitStarts;
        private readonly int _pieceUnits;

        private Form(string text, int[]? unitStarts, int pieceUnits)
        {
            Text = text;
            _unitStarts = unitStarts;
            _pieceUnits = pieceUnits;
            ShortestPiece = pieceUnits;
            if (unitStarts is not null)
            {
                ShortestPiece = int.MaxValue;
                for (var u = 0; u + pieceUnits < unitStarts.Length; u++)
                {
                    ShortestPiece = Math.Min(ShortestPiece, unitStarts[u + pieceUnits] - unitStarts[u]);
                }
            }
        }

        public string Text { get; }

        /// <summary>The fewest characters of <see cref="Text"/> that a piece to redact takes.</summary>
        public int ShortestPiece { get; }

        /// <summary>Every form of the secret (of 4 characters or more).</summary>
        public static IEnumerable<Form> Of(string secret)
        {
            var runes = secret.EnumerateRunes().ToArray();
            var pieceUnits = Math.Min(PieceLength, runes.Length);
            Func<Rune, string>[] encodings =
            [
                rune => rune.ToString(),
                rune => Convert.ToHexStringLower(Utf8(rune)),
                rune => Convert.ToHexString(Utf8(rune)),
                rune => string.Concat(Utf8(rune).Select(b => "%" + b.ToString("X2", CultureInfo.InvariantCulture))),
                rune => string.Concat(Utf8(rune).Select(b => "%" + b.ToString("x2", CultureInfo.InvariantCulture))),
                rune => Uri.EscapeDataString(rune.ToString()),
                rune => LowerHexEscapes(Uri.EscapeDataString(rune.ToString())),
                rune => WebUtility.UrlEncode(rune.ToString()),
                rune => LowerHexEscapes(WebUtility.UrlEncode(rune.ToString())),
                rune => string.Concat(rune.ToString().Select(c => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture))),
                rune => string.Concat(rune.ToString().Select(c => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture))),
                rune => JsonEncodedText.Encode(rune.ToString()).Value,
            ];
            foreach (var encode in encodings)
            {
                var text = new StringBuilder();
                var starts = new int[runes.Length + 1];
                for (var u = 0; u < runes.Length; u++)
                {
                    starts[u] = text.Length;
                    text.Append(encode(runes[u]));
                }

                starts[runes.Length] = text.Length;
                yield return new Form(text.ToString(), starts, pieceUnits);
            }

            // Base64 of the secret as it is (padded, its last characters too), and the characters only the secret's
            // bytes decide inside a longer base64 text, where its bytes start 1 or 2 bytes after a group of 3.
            var bytes = Encoding.UTF8.GetBytes(secret);
            var whole = runes.Length >= PieceLength;
            var full = Convert.ToBase64String(bytes);
            var stable = bytes.Length * 8 / 6;
            foreach (var base64 in new[] { full, UrlSafe(full) })
            {
                yield return new Form(base64, null, whole ? Base64PieceLength : stable);
            }

            for (var offset = 1; offset < 3; offset++)
            {
                var shifted = Convert.ToBase64String([.. new byte[offset], .. bytes]);
                var inner = shifted[(((offset * 8) + 5) / 6)..((offset + bytes.Length) * 8 / 6)];
                if (whole || inner.Length >= MinimumBase64Length)
                {
                    foreach (var base64 in new[] { inner, UrlSafe(inner) })
                    {
                        yield return new Form(base64, null, whole ? Math.Min(Base64PieceLength, inner.Length) : inner.Length);
                    }
                }
            }
        }

        /// <summary>True when the characters [<paramref name="start"/>, <paramref name="end"/>) of the form hold enough whole units.</summary>
        public bool Covers(int start, int end)
        {
            if (_unitStarts is null)
            {
                return end - start >= _pieceUnits;
            }

            var first = Array.BinarySearch(_unitStarts, start);
            first = first >= 0 ? first : ~first;
            var last = Array.BinarySearch(_unitStarts, end);
            last = last >= 0 ? last : ~last - 1;
            return last - first >= _pieceUnits;
        }

        private static byte[] Utf8(Rune rune)
        {
            var bytes = new byte[rune.Utf8SequenceLength];
            rune.EncodeToUtf8(bytes);
            return bytes;
        }

        private static string UrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');

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
    }
}
