using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace EvalRunner.Tests.Secrets;

public sealed class RedactorTests
{
    private const string Key = "sk-test-EVAL9f3K+q7Z/p2Lx8Wmabcd";

    private static Redactor With(params string[] secrets)
    {
        var redactor = new Redactor();
        foreach (var secret in secrets)
        {
            redactor.Add(secret);
        }

        return redactor;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("exact")]
    [InlineData("Uri.EscapeDataString")]
    [InlineData("WebUtility.UrlEncode")]
    [InlineData("lower-case escapes")]
    [InlineData("base64")]
    [InlineData("base64 without padding")]
    [InlineData("URL-safe base64")]
    [InlineData("URL-safe base64 without padding")]
    public void Each_form_of_a_secret_becomes_the_marker(string form)
    {
        var text = form switch
        {
            "exact" => Key,
            "Uri.EscapeDataString" => Uri.EscapeDataString(Key),
            "WebUtility.UrlEncode" => WebUtility.UrlEncode(Key),
            "lower-case escapes" => Uri.EscapeDataString(Key).Replace("%2B", "%2b", StringComparison.Ordinal).Replace("%2F", "%2f", StringComparison.Ordinal),
            "base64" => B64(Key),
            "base64 without padding" => B64(Key).TrimEnd('='),
            "URL-safe base64" => B64(Key).Replace('+', '-').Replace('/', '_'),
            _ => B64(Key).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        };

        Assert.Equal("before *** after", With(Key).Redact($"before {text} after"));
    }

    [Fact]
    public void The_whole_token_of_Basic_credentials_holding_a_secret_is_redacted()
    {
        var redactor = With(Key);

        Assert.Equal("Authorization: Basic ***", redactor.Redact($"Authorization: Basic {B64("user:" + Key)}"));
        Assert.Equal("authorization: basic ***,", redactor.Redact($"authorization: basic {B64("someone:" + Key).TrimEnd('=')},"));
        Assert.Equal("Basic ***", redactor.Redact($"Basic {B64("user:" + Key).Replace('+', '-').Replace('/', '_')}"));
    }

    [Fact]
    public void Basic_credentials_without_a_secret_are_kept()
    {
        var text = $"Authorization: Basic {B64("user:password")} and Basic concepts";

        Assert.Same(text, With(Key).Redact(text));
    }

    [Fact]
    public void A_secret_inside_a_longer_base64_text_is_redacted_at_any_offset()
    {
        var redactor = With(Key);

        foreach (var prefix in new[] { "{\"key\":\"", "x{\"key\":\"", "xy{\"key\":\"" })
        {
            var redacted = redactor.Redact(B64(prefix + Key + "\"}"));

            Assert.Contains("***", redacted, StringComparison.Ordinal);
            Assert.True(redacted.Length < B64(prefix + Key).Length, redacted);
        }
    }

    [Theory]
    [InlineData("sk-test-EVAL9f3K…", "***…")]
    [InlineData("key sk-test-EVAL9f3K+q7… end", "key ***… end")]
    [InlineData("…K+q7Z/p2Lx8Wmabcd", "…***")]
    [InlineData("the middle EVAL9f3K+q7Z/p2Lx8.", "the middle ***.")]
    [InlineData("sk-test-EVAL9f3K…+q7Z/p2Lx8Wmabcd", "***…***")]
    [InlineData("xxsk-test-EVAL9f3K+q7Z/p2Lx8Wmabcdyy", "xx***yy")]
    public void A_run_of_16_or_more_characters_anywhere_in_a_secret_is_redacted(string text, string expected) =>
        Assert.Equal(expected, With(Key).Redact(text));

    [Theory]
    [InlineData("sk-test-EVAL9f3…")]
    [InlineData("sk-test-… and …x8Wmabcd")]
    [InlineData("the middle EVAL9f3K+q7Z/p2.")]
    [InlineData("key prefixes such as sk-test- and sk-proj- are everywhere")]
    public void A_run_of_fewer_than_16_characters_of_a_secret_is_kept(string text) =>
        Assert.Same(text, With(Key).Redact(text));

    [Fact]
    public void Every_piece_of_16_or_more_characters_of_a_secret_is_redacted_in_every_encoding()
    {
        var redactor = With(Key);

        Assert.All(SecretForms.Of(Key), form =>
        {
            var redacted = redactor.Redact($"before {form.Text} after");

            Assert.False(redacted.Contains(form.Text, StringComparison.Ordinal), $"{form.Form}: {redacted}");
            Assert.StartsWith("before ", redacted, StringComparison.Ordinal);
            Assert.Contains("***", redacted, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData("sk-test-EVAL9f3K+q7Z/p2Lx8Wmabcd")]
    [InlineData("pw-7Hq+2x/Z9")]
    [InlineData("0123456789abcdef0123456789abcdef")]
    public void Every_encoding_of_a_whole_secret_becomes_the_marker_also_under_16_characters(string secret)
    {
        var redactor = With(secret);
        var bytes = Encoding.UTF8.GetBytes(secret);
        var forms = new Dictionary<string, string>
        {
            ["lower-case hex"] = Convert.ToHexStringLower(bytes),
            ["upper-case hex"] = Convert.ToHexString(bytes),
            ["percent-encoding"] = SecretForms.Percent(secret),
            ["lower-case percent-encoding"] = SecretForms.Percent(secret).ToLowerInvariant(),
            ["JSON escapes"] = SecretForms.UnicodeEscapes(secret),
            ["lower-case JSON escapes"] = SecretForms.UnicodeEscapes(secret).ToLowerInvariant(),
            ["base64"] = B64(secret),
            ["URL-safe base64"] = SecretForms.UrlSafe(SecretForms.Base64(secret)),
        };

        foreach (var (form, text) in forms)
        {
            Assert.Equal($"{form}: ***.", redactor.Redact($"{form}: {text}."));
        }

        for (var alignment = 1; alignment < 3; alignment++)
        {
            var inner = SecretForms.InnerBase64(secret, alignment);
            var redacted = redactor.Redact(B64(new string('x', alignment) + secret));
            Assert.False(redacted.Contains(inner, StringComparison.Ordinal), $"alignment {alignment}: {redacted}");
            Assert.False(redactor.Redact(SecretForms.UrlSafe(B64(new string('x', alignment) + secret))).Contains(SecretForms.UrlSafe(inner), StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Ordinary_text_is_unchanged_whatever_the_secrets()
    {
        var redactor = With(Key, "Bearer " + Key, "/services/T0A1B2C3D/B0E4F5G6H/abcdefghijklmnopqrstuvwx", "ghs_workflow_token_0123456789");

        foreach (var line in Corpus.Lines)
        {
            Assert.Same(line, redactor.Redact(line));
        }
    }

    [Fact]
    public void Text_without_a_secret_is_returned_as_the_same_instance()
    {
        var redactor = With(Key, "another-secret-value-123456");
        var text = new string('a', 10_000) + " sk-test is not a key";

        Assert.Same(text, redactor.Redact(text));
        Assert.Same(string.Empty, redactor.Redact(string.Empty));
        Assert.Same(text, new Redactor().Redact(text));
    }

    [Fact]
    public void Values_under_4_characters_are_never_secrets()
    {
        Assert.Equal("abc", With("abc").Redact("abc"));
    }

    [Fact]
    public void The_longest_form_is_replaced_first_so_that_no_piece_is_left()
    {
        var redactor = With("secret-value-0001", "secret-value-0001-and-more");

        Assert.Equal("a *** b", redactor.Redact("a secret-value-0001-and-more b"));
    }

    [Fact]
    public void Secrets_added_while_other_threads_redact_are_seen_by_later_redactions()
    {
        var redactor = new Redactor();
        var secrets = Enumerable.Range(0, 50).Select(i => $"parallel-secret-{i:D4}").ToList();

        Parallel.ForEach(secrets, secret =>
        {
            redactor.Add(secret);
            Assert.Equal("[***]", redactor.Redact($"[{secret}]"));
        });

        Assert.All(secrets, secret => Assert.Equal("***", redactor.Redact(secret)));
    }

    [Fact]
    public void Every_string_value_of_a_JSON_tree_is_redacted_in_place()
    {
        var json = JsonNode.Parse($$$"""{"text": "{{{Key}}}", "list": ["a", "Basic {{{B64("u:" + Key)}}}"], "nested": {"n": 1, "s": "x{{{Key}}}"}}""")!;

        With(Key).Redact(json);

        Assert.Equal("""{"text":"***","list":["a","Basic ***"],"nested":{"n":1,"s":"x***"}}""", json.ToJsonString());
    }

    [Fact]
    public void A_provider_URL_is_shown_without_user_info_and_query_values_and_they_are_its_secrets()
    {
        var url = new Uri("https://bot:pa%24%24word-1@api.example.com:8443/v1/?key=qk-123456&api-version=2024-06-01#f");

        Assert.Equal("https://api.example.com:8443/v1/?key=***&api-version=2024-06-01#f", Redactor.ShowUrl(url));
        Assert.Contains("pa$$word-1", Redactor.SecretsOf(url));
        Assert.Contains("qk-123456", Redactor.SecretsOf(url));
        Assert.DoesNotContain("2024-06-01", Redactor.SecretsOf(url));
        Assert.Equal(["token-only-user", "token-only-user"], Redactor.SecretsOf(new Uri("https://token-only-user@host/")));
    }
}
