using System.Globalization;
using System.Net;
using System.Text;

namespace EvalRunner.Tests.Secrets;

/// <summary>The forms in which a secret may leak, and an assertion that a text holds none of them.</summary>
internal static class SecretForms
{
    private static readonly int[] PieceLengths = [16, 20, 24];

    /// <summary>Every form of the secret, and of its pieces of 16, 20 and 24 characters at its start, middle and end, that must never be written.</summary>
    public static IReadOnlyList<(string Form, string Text)> Of(string secret)
    {
        var forms = new List<(string Form, string Text)>
        {
            ("exact", secret),
            ("Uri.EscapeDataString", Uri.EscapeDataString(secret)),
            ("WebUtility.UrlEncode", WebUtility.UrlEncode(secret)),
            ("base64", Base64(secret)),
            ("URL-safe base64", UrlSafe(Base64(secret))),
            ("base64 of user:secret", Base64("user:" + secret)),
        };
        foreach (var (name, piece) in Pieces(secret).Prepend((Name: "whole", Piece: secret)))
        {
            forms.Add(($"{name}: piece", piece));
            forms.Add(($"{name}: lower-case hex", Hex(piece).ToLowerInvariant()));
            forms.Add(($"{name}: upper-case hex", Hex(piece)));
            forms.Add(($"{name}: percent-encoding, upper-case", Percent(piece)));
            forms.Add(($"{name}: percent-encoding, lower-case", Percent(piece).ToLowerInvariant()));
            forms.Add(($"{name}: JSON \\u escapes, lower-case", UnicodeEscapes(piece).ToLowerInvariant()));
            forms.Add(($"{name}: JSON \\u escapes, upper-case", UnicodeEscapes(piece)));
            for (var alignment = 0; alignment < 3; alignment++)
            {
                var inner = InnerBase64(piece, alignment);
                forms.Add(($"{name}: base64 at byte alignment {alignment}", inner));
                forms.Add(($"{name}: URL-safe base64 at byte alignment {alignment}", UrlSafe(inner)));
            }
        }

        return forms;
    }

    /// <summary>The pieces of 16, 20 and 24 characters at the secret's start, middle and end (those that fit).</summary>
    public static IEnumerable<(string Name, string Piece)> Pieces(string secret)
    {
        foreach (var length in PieceLengths.Where(l => l < secret.Length))
        {
            yield return ($"first {length}", secret[..length]);
            yield return ($"middle {length}", secret.Substring((secret.Length - length) / 2, length));
            yield return ($"last {length}", secret[^length..]);
        }
    }

    /// <summary>Base64 without padding, so that padded and unpadded copies are both found.</summary>
    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=');

    public static string UrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');

    public static string Hex(string text) => Convert.ToHexString(Encoding.UTF8.GetBytes(text));

    /// <summary>Every byte as <c>%XX</c>, upper-case.</summary>
    public static string Percent(string text) => string.Concat(Encoding.UTF8.GetBytes(text).Select(b => "%" + b.ToString("X2", CultureInfo.InvariantCulture)));

    /// <summary>Every character as <c>\uXXXX</c>, upper-case.</summary>
    public static string UnicodeEscapes(string text) => string.Concat(text.Select(c => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture)));

    /// <summary>
    /// The characters of base64 of <paramref name="text"/> after <paramref name="alignment"/> other bytes that only
    /// its own bytes decide (its first and last 4 characters are left out: they may mix in the bytes around it).
    /// </summary>
    public static string InnerBase64(string text, int alignment)
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('x', alignment) + text));
        return encoded[4..^4];
    }

    /// <summary>The text a provider echoes: the secret in every form, as a successful answer.</summary>
    public static string Echo(string secret) =>
        $"exact {secret}; url {Uri.EscapeDataString(secret)}; form {WebUtility.UrlEncode(secret)}; "
        + $"b64 {Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))}; b64url {UrlSafe(Base64(secret))}; "
        + $"Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + secret))}; "
        + $"head {secret[..16]}…; tail …{secret[^16..]}; word xx{secret}yy."
        + string.Concat(Pieces(secret).Prepend((Name: "whole", Piece: secret)).Select(p =>
            $" {p.Name}: {p.Piece} hex {Hex(p.Piece).ToLowerInvariant()} HEX {Hex(p.Piece)} pct {Percent(p.Piece)} pct {Percent(p.Piece).ToLowerInvariant()}"
            + $" json \"{UnicodeEscapes(p.Piece)}\" json \"{UnicodeEscapes(p.Piece).ToLowerInvariant()}\""
            + $" b64 {Convert.ToBase64String(Encoding.UTF8.GetBytes(p.Piece))} b64 {Base64("x" + p.Piece)} b64 {Base64("xy" + p.Piece)}"
            + $" b64url {UrlSafe(Base64(p.Piece))} {UrlSafe(Base64("x" + p.Piece))} {UrlSafe(Base64("xy" + p.Piece))};"));

    public static void AssertAbsent(string secret, string text, string where)
    {
        foreach (var (form, value) in Of(secret))
        {
            Assert.False(text.Contains(value, StringComparison.Ordinal), $"{where} holds the secret ({form}: {value}):\n{text}");
        }
    }

    /// <summary>Every file under <paramref name="directory"/>, checked; returns how many were read.</summary>
    public static int AssertAbsentFromFiles(string secret, string directory)
    {
        var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            AssertAbsent(secret, File.ReadAllText(file), file);
        }

        return files.Length;
    }
}
