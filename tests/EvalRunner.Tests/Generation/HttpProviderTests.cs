using System.Text.Json;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Generation;

public sealed class HttpProviderTests
{
    [Fact(Timeout = 120000)]
    public async Task The_http_provider_posts_a_templated_body_with_secret_headers_and_picks_the_response_by_json_path()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request => $"echo {request.Messages[0].Content}";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"quote \\\" and {braces}\",\"context\":{\"user\":\"u1\"}}\n");
        var path = dir.File("s.eval.yaml", $$"""
            dataset: cases.jsonl
            models:
              - name: service
                provider: http
                url: {{server.BaseUrl}}chat/completions
                headers:
                  Authorization: Bearer ${SERVICE_TOKEN}
                body:
                  model: "{context.user}"
                  messages:
                    - role: user
                      content: "{input.content}"
                response_path: $.choices[0].message.content
            evaluators:
              - type: contains
                value: echo
            """);
        var settings = new Settings(new Dictionary<string, string> { ["SERVICE_TOKEN"] = "tok-123456", ["PATH"] = "/usr/bin" });

        var (result, rows) = await SuiteRun.RunAsync(path, settings, TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Pass, result.Verdict);
        var request = Assert.Single(server.Requests);
        Assert.Equal("u1", request.Model);
        Assert.Equal("quote \" and {braces}", request.Messages[0].Content);
        Assert.Equal("Bearer tok-123456", request.Authorization);
        var row = rows[0];
        Assert.Equal("echo quote \" and {braces}", row.GetProperty("log").GetProperty("generated_response").GetString());
    }

    [Fact(Timeout = 120000)]
    public async Task A_non_success_status_is_an_error_row_with_the_status_and_body()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.FailNext(1, 503, "{\"error\":{\"message\":\"down for maintenance\"}}");
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n");
        var path = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels:\n  - name: svc\n    provider: http\n    url: {server.BaseUrl}chat/completions\n");
        var settings = new Settings(new Dictionary<string, string>());

        var (result, rows) = await SuiteRun.RunAsync(path, settings, TestContext.Current.CancellationToken);

        Assert.Equal(Verdict.Error, result.Verdict);
        var row = rows[0];
        Assert.Equal(
            $"generation failed (svc): POST {server.BaseUrl}chat/completions answered 503 Service Unavailable: {{\"error\":{{\"message\":\"down for maintenance\"}}}}",
            row.GetProperty("error").Message());
    }
}
