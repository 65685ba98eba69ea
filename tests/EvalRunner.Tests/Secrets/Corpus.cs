namespace EvalRunner.Tests.Secrets;

/// <summary>Ordinary text a response, a report or the console holds: URLs, MIME types, JSON, code. Redaction must leave it as it is.</summary>
internal static class Corpus
{
    public static IReadOnlyList<string> Lines { get; } =
    [
        "Send application/json please",
        "Content-Type: application/json; charset=utf-8",
        "Accept: application/json, text/event-stream, text/plain;q=0.9, */*",
        "See https://example.org/docs and http://example.com/index.html for details.",
        "The API lives at https://api.openai.com/v1/chat/completions (POST).",
        "Webhooks post to https://hooks.slack.com/ and https://hooks.slack.com/services/ as application/x-www-form-urlencoded.",
        "watching http://127.0.0.1:5013/logs, http://127.0.0.1:5013/v1/traces with suite 'prod' → out/prod (Ctrl-C stops)",
        """{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": false}""",
        """{"url": "https://api.example.com/v1/", "headers": {"Accept": "application/json", "Content-Type": "application/json"}}""",
        "var client = new HttpClient { BaseAddress = new Uri(\"https://api.example.com/v1/\") };",
        "request.Headers.Authorization = new AuthenticationHeaderValue(\"Bearer\", token);",
        "public sealed class Program { public static void Main() => Console.WriteLine(\"Hello, https://example.org\"); }",
        "Bearer tokens go in the Authorization header; api keys in x-api-key.",
        "Model gpt-4o-mini at https://api.example.com/v1/ answered in 1.2 s.",
        "<a href=\"https://example.org/a?b=c&amp;d=e\">link</a> <img src=\"data:image/png;base64,iVBORw0KGgo=\">",
        "%7B%22a%22%3A1%7D and \\u0041\\u0042 and 48656c6c6f and SGVsbG8gd29ybGQ=",
    ];

    public static string Text { get; } = string.Join('\n', Lines);
}
