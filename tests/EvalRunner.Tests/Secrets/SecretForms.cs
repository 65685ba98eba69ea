using System.Net;
using System.Text;

namespace EvalRunner.Tests.Secrets;

/// <summary>The forms in which a secret may leak, and an assertion that a text holds none of them.</summary>
internal static class SecretForms
{
    public static IReadOnlyList<(string Form, string Text)> Of(string secret) =>
    [
        ("exact", secret),
        ("Uri.EscapeDataString", Uri.EscapeDataString(secret)),
        ("WebUtility.UrlEncode", WebUtility.UrlEncode(secret)),
        ("base64", Base64(secret)),
        ("URL-safe base64", Base64(secret).Replace('+', '-').Replace('/', '_')),
        ("base64 of user:secret", Base64("user:" + secret)),
        ("first 8 characters", secret[..8]),
        ("last 8 characters", secret[^8..]),
    ];

    /// <summary>Base64 without padding, so that padded and unpadded copies are both found.</summary>
    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=');

    /// <summary>The text a provider echoes: the secret in every form, as a successful answer.</summary>
    public static string Echo(string secret) =>
        $"exact {secret}; url {Uri.EscapeDataString(secret)}; form {WebUtility.UrlEncode(secret)}; "
        + $"b64 {Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))}; b64url {Base64(secret).Replace('+', '-').Replace('/', '_')}; "
        + $"Authorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + secret))}; "
        + $"head {secret[..12]}…; tail …{secret[^12..]}; word xx{secret}yy.";

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
