using System.Reflection;
using System.Text.Json;

using CliWrap.Buffered;
using CliWrap;
using EvalRunner.Caching;
using EvalRunner.GitHub;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Suites;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Secrets;

/// <summary>
/// A provider that echoes the API key in a successful answer, in every form, and a judge that repeats it: nothing
/// EvalRunner writes (results, run.json, the cache, reports, the PR comment, the console) may hold the key.
/// </summary>
public sealed class SecretRedactionTests
{
    private const string Key = "sk-test-EVAL9f3K+q7Z/p2Lx8Wmabcd";

    private const string Dataset = """
        {"id": "echo", "input": "What is my key?"}

        """;

    private static string Suite(FakeOpenAIServer server) => $$"""
        dataset: cases.jsonl
        models:
          - name: bot
            provider: openai
            model: bot
            base_url: {{server.BaseUrl}}
            api_key: ${EVAL_API_KEY}
        judge:
          provider: openai
          model: judge-model
          base_url: {{server.BaseUrl}}
          api_key: ${EVAL_API_KEY}
        evaluators:
          - {name: saw_key, type: contains, value: "${EVAL_API_KEY}"}
          - name: judge
            type: llm
            prompt: "Rate this answer: {generated_response}"
            output_schema: {reason: string}
        thresholds:
          - saw_key.passed == true
          - judge.reason == fine
        """;

    /// <summary>The generation echoes the key it was sent; the judge repeats it in its string column.</summary>
    private static async Task<FakeOpenAIServer> EchoingServerAsync()
    {
        var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request =>
        {
            var key = request.Authorization?.Replace("Bearer ", string.Empty, StringComparison.Ordinal) ?? "no key";
            return request.Model == "judge-model"
                ? JsonSerializer.Serialize(new { reason = "the answer shows " + SecretForms.Echo(key) })
                : SecretForms.Echo(key);
        };
        return server;
    }

    [Fact(Timeout = 60000)]
    public async Task A_key_echoed_in_a_successful_answer_is_in_no_result_run_json_cache_file_or_report_yet_evaluators_saw_it()
    {
        await using var server = await EchoingServerAsync();
        await using var github = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset);
        var suitePath = dir.File("suite.eval.yaml", Suite(server));
        var output = Path.Combine(dir.Path, "out");
        var cacheDirectory = Path.Combine(dir.Path, "cache");
        var settings = TestSettings.With(("EVAL_API_KEY", Key));

        var result = await new RunEngine(settings).RunAsync(
            SuiteLoader.Load(suitePath, settings),
            new RunRequest { OutputDirectory = output, Cache = new FileResponseCache(cacheDirectory, CacheMode.ReadWrite) },
            TestContext.Current.CancellationToken);

        // The real key went to the provider and the evaluator saw the real response.
        Assert.All(server.Requests, request => Assert.Equal("Bearer " + Key, request.Authorization));
        Assert.Contains(server.Requests, request => request.Model == "judge-model");
        var row = JsonDocument.Parse(File.ReadAllLines(Path.Combine(output, "results.jsonl")).Single()).RootElement;
        Assert.True(row.Evaluation("saw_key").GetProperty("passed").GetBoolean());
        Assert.Equal("fail", row.GetProperty("outcome").GetString());
        Assert.StartsWith("exact ***; url ***; form ***; b64 ***; b64url ***; Authorization: Basic ***; head ***…; tail …***; word xx***yy.", row.GetProperty("log").GetProperty("generated_response").GetString(), StringComparison.Ordinal);
        Assert.Contains("the answer shows exact ***", row.Evaluation("judge").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(Verdict.Fail, result.Verdict);

        // Nothing written holds the key: results.jsonl, run.json, fingerprint.json, the cache (two entries: generation and judge).
        Assert.Equal(3, SecretForms.AssertAbsentFromFiles(Key, output));
        // One or two entry files, and the folder's .gitattributes.
        Assert.InRange(SecretForms.AssertAbsentFromFiles(Key, cacheDirectory), 2, 3);
        Assert.True(File.Exists(Path.Combine(cacheDirectory, ".gitattributes")));
        Assert.Equal(2, new FileResponseCache(cacheDirectory, CacheMode.ReadOnly).Count);

        var reports = await RunReport.ReadAllAsync(output, TestContext.Current.CancellationToken);
        var markdown = MarkdownReport.Render(reports);
        Assert.Contains("| response | exact \\*\\*\\*; url \\*\\*\\*;", markdown, StringComparison.Ordinal);
        SecretForms.AssertAbsent(Key, markdown, "the Markdown report");
        SecretForms.AssertAbsent(Key, HtmlReport.Render(reports), "the HTML report");
        SecretForms.AssertAbsent(Key, JunitReport.Render(reports), "the JUnit report");

        using var workflow = new TempDirectory();
        var githubSettings = new Settings(new Dictionary<string, string>
        {
            ["GITHUB_STEP_SUMMARY"] = workflow.File("summary.md", string.Empty),
            ["GITHUB_OUTPUT"] = workflow.File("output.txt", string.Empty),
            ["GITHUB_EVENT_PATH"] = workflow.File("event.json", "{\"pull_request\":{\"number\":7}}"),
            ["GITHUB_API_URL"] = github.ApiUrl.ToString(),
            ["GITHUB_REPOSITORY"] = "acme/bot",
            ["GITHUB_TOKEN"] = "ghs_workflow_token_0123456789",
        });
        var log = new StringWriter();
        await new GitHubReporter(githubSettings, log).ReportAsync(reports, new GitHubOptions { ResultsDirectory = output }, TestContext.Current.CancellationToken);

        var comment = Assert.Single(github.Comments(7)).Body;
        Assert.Contains("echo", comment, StringComparison.Ordinal);
        SecretForms.AssertAbsent(Key, comment, "the PR comment");
        SecretForms.AssertAbsent(Key, log.ToString(), "the annotations");
        SecretForms.AssertAbsentFromFiles(Key, workflow.Path);
    }

    [Fact(Timeout = 60000)]
    public async Task A_cache_made_without_settings_still_stores_no_key_when_an_engine_runs_with_it()
    {
        await using var server = await EchoingServerAsync();
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset);
        var cacheDirectory = Path.Combine(dir.Path, "cache");
        var settings = TestSettings.With(("EVAL_API_KEY", Key));

        await new RunEngine(settings).RunAsync(
            SuiteLoader.Load(dir.File("suite.eval.yaml", Suite(server)), settings),
            new RunRequest { OutputDirectory = Path.Combine(dir.Path, "out"), Cache = new FileResponseCache(cacheDirectory, CacheMode.ReadWrite) },
            TestContext.Current.CancellationToken);
        var replayed = await new RunEngine(settings).RunAsync(
            SuiteLoader.Load(Path.Combine(dir.Path, "suite.eval.yaml"), settings),
            new RunRequest { OutputDirectory = Path.Combine(dir.Path, "replayed"), Cache = new FileResponseCache(cacheDirectory, CacheMode.Replay) },
            TestContext.Current.CancellationToken);

        // One or two entry files, and the folder's .gitattributes.
        Assert.InRange(SecretForms.AssertAbsentFromFiles(Key, cacheDirectory), 2, 3);
        Assert.True(File.Exists(Path.Combine(cacheDirectory, ".gitattributes")));
        Assert.Equal(2, new FileResponseCache(cacheDirectory, CacheMode.ReadOnly).Count);
        Assert.Equal(2, server.RequestCount);

        // A replay answers from the stored (redacted) text: the key is not in it any more.
        var row = JsonDocument.Parse(File.ReadAllLines(Path.Combine(dir.Path, "replayed", "results.jsonl")).Single()).RootElement;
        Assert.True(row.GetProperty("log").GetProperty("cache_hit").GetBoolean());
        Assert.False(row.Evaluation("saw_key").GetProperty("passed").GetBoolean());
        Assert.Equal(1, replayed.Rows);
    }

    [Fact(Timeout = 60000)]
    public async Task Provider_URLs_user_info_query_values_and_headers_are_secrets_and_the_URLs_are_shown_without_them()
    {
        const string query = "qk-LITERAL-query-value-0123456789";
        const string password = "ui-LITERAL-password-0123456789";
        const string httpQuery = "hq-LITERAL-http-query-0123456789";
        const string header = "hd-LITERAL-header-value-0123456789";
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request => $"path {request.Path} auth {request.Authorization}";
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset);
        var root = server.RootUrl;
        var yaml = $$"""
            dataset: cases.jsonl
            models:
              - {name: query, provider: openai, model: bot, base_url: "{{root}}v1/?key={{query}}"}
              - {name: userinfo, provider: openai, model: bot, base_url: "http://user:{{password}}@{{root.Authority}}/v1/"}
              - name: http
                provider: http
                url: "{{root}}v1/chat/completions?key={{httpQuery}}&api-version=2024-06-01"
                headers: {Authorization: "Bearer {{header}}"}
                response_path: $.choices[0].message.content
              - {name: down, provider: openai, model: bot, base_url: "http://user:{{password}}@127.0.0.1:1/v1/?key={{query}}"}
            evaluators:
              - type: length
            run:
              retries: 0
            """;
        var settings = TestSettings.With();
        var suite = SuiteLoader.Load(dir.File("suite.eval.yaml", yaml), settings);

        var (result, rows) = await SuiteRun.RunAsync(dir, yaml, settings, null, TestContext.Current.CancellationToken);

        var written = File.ReadAllText(Path.Combine(dir.Path, "out", "results.jsonl")) + File.ReadAllText(Path.Combine(dir.Path, "out", "run.json"));
        foreach (var secret in new[] { query, password, httpQuery, header })
        {
            SecretForms.AssertAbsent(secret, written, "results.jsonl and run.json");
        }

        Assert.Equal(4, result.Rows);
        Assert.Contains(server.Requests, request => request.Authorization == "Bearer " + header && request.Path.Contains(httpQuery, StringComparison.Ordinal));
        Assert.Equal("path /v1/chat/completions?key=***&api-version=2024-06-01 auth Bearer ***", rows.Single(r => r.GetProperty("model_config").GetString() == "http").GetProperty("log").GetProperty("generated_response").GetString());
        var down = rows.Single(r => r.GetProperty("model_config").GetString() == "down").GetProperty("error").Message();
        Assert.Contains("OpenAI endpoint http://127.0.0.1:1/v1/?key=***", down, StringComparison.Ordinal);

        // Each model config with its provider's own options (the http provider's URL is there), as they would be written.
        var models = JsonSerializer.Serialize(suite.Models) + JsonSerializer.Serialize(suite.Models.Select(m => (object?)m.Options));
        Assert.Contains($"\"{root}v1/?key=***\"", models, StringComparison.Ordinal);
        Assert.Contains($"\"http://{root.Authority}/v1/\"", models, StringComparison.Ordinal);
        Assert.Contains("?key=***\\u0026api-version=2024-06-01", models, StringComparison.Ordinal);
        foreach (var secret in new[] { query, password, httpQuery, header })
        {
            Assert.DoesNotContain(secret, models, StringComparison.Ordinal);
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Ordinary_text_in_answers_is_written_as_it_is_with_credential_headers_and_a_webhook_while_no_form_of_the_key_is()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = request => Corpus.Text + "\n" + SecretForms.Echo(request.Authorization?.Replace("Bearer ", string.Empty, StringComparison.Ordinal) ?? "no key");
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset);
        var yaml = $$$"""
            dataset: cases.jsonl
            models:
              - {name: chat, provider: openai, model: "${MODEL}", base_url: "${OPENAI_BASE_URL}", api_key: "${EVAL_API_KEY}"}
              - name: http
                provider: http
                url: "{{{server.RootUrl}}}v1/chat/completions"
                headers:
                  Authorization: "Bearer ${EVAL_API_KEY}"
                  Accept: application/json
                  Content-Type: application/json
                response_path: $.choices[0].message.content
            evaluators:
              - {name: saw_key, type: contains, value: "${EVAL_API_KEY}"}
              - {name: refused, type: contains, value: "I cannot"}
            thresholds:
              - refused.passed == true
            online: {alerts: {webhook: "https://hooks.slack.com/services/T0A1B2C3D/B0E4F5G6H/abcdefghijklmnopqrstuvwx"}}
            """;
        var settings = TestSettings.With(("EVAL_API_KEY", Key), ("OPENAI_BASE_URL", server.BaseUrl.ToString()), ("MODEL", "gpt-4o-mini"));

        var (result, rows) = await SuiteRun.RunAsync(dir, yaml, settings, null, TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Rows);
        Assert.All(server.Requests, request => Assert.Equal("Bearer " + Key, request.Authorization));
        Assert.All(rows, row =>
        {
            Assert.True(row.Evaluation("saw_key").GetProperty("passed").GetBoolean());
            Assert.StartsWith(Corpus.Text + "\nexact ***; url ***;", row.GetProperty("log").GetProperty("generated_response").GetString(), StringComparison.Ordinal);
        });
        var output = Path.Combine(dir.Path, "out");
        Assert.Equal(3, SecretForms.AssertAbsentFromFiles(Key, output));
        Assert.Contains("gpt-4o-mini", File.ReadAllText(Path.Combine(output, "run.json")), StringComparison.Ordinal);
        var baseUrl = server.BaseUrl.ToString();
        Assert.Same(baseUrl, settings.Redact(baseUrl));

        var reports = await RunReport.ReadAllAsync(output, TestContext.Current.CancellationToken);
        var markdown = MarkdownReport.Render(reports);
        Assert.Contains("Send application/json please", markdown, StringComparison.Ordinal);
        SecretForms.AssertAbsent(Key, markdown, "the Markdown report");
        var html = HtmlReport.Render(reports);
        Assert.Contains("https://api.openai.com/v1/chat/completions", html, StringComparison.Ordinal);
        SecretForms.AssertAbsent(Key, html, "the HTML report");
        SecretForms.AssertAbsent(Key, JunitReport.Render(reports), "the JUnit report");
    }

    [Fact]
    public void A_model_name_or_base_URL_read_from_a_secret_looking_variable_is_not_a_secret()
    {
        using var dir = new TempDirectory();
        var settings = TestSettings.With(("BOT_MODEL_KEY", "gpt-4o-mini-tuned"), ("BOT_URL_TOKEN", "http://127.0.0.1:9/v1/"), ("BOT_API_KEY", "sk-actual-secret-key-000"));
        var path = dir.File("suite.eval.yaml", "dataset:\n  - input: hi\nmodels:\n  - {provider: openai, model: \"${BOT_MODEL_KEY}\", base_url: \"${BOT_URL_TOKEN}\", api_key: \"${BOT_API_KEY}\"}\n");

        var suite = SuiteLoader.Load(path, settings);

        Assert.Equal("gpt-4o-mini-tuned", suite.Models[0].Model);
        Assert.Equal("gpt-4o-mini-tuned at http://127.0.0.1:9/v1/ with ***", settings.Redact("gpt-4o-mini-tuned at http://127.0.0.1:9/v1/ with sk-actual-secret-key-000"));
    }

    [Fact(Timeout = 120000)]
    public async Task The_CLI_prints_writes_caches_summarises_and_comments_no_form_of_an_echoed_key()
    {
        await using var server = await EchoingServerAsync();
        await using var github = await FakeGitHubServer.StartAsync(TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        dir.File("cases.jsonl", Dataset);
        dir.File("suite.eval.yaml", Suite(server));
        var summary = dir.File("github/summary.md", string.Empty);
        var events = dir.File("github/event.json", "{\"pull_request\":{\"number\":9}}");

        var run = await CliAsync(dir.Path, env => env
                .Set("EVAL_API_KEY", Key)
                .Set("GITHUB_ACTIONS", "true")
                .Set("GITHUB_STEP_SUMMARY", summary)
                .Set("GITHUB_OUTPUT", dir.File("github/output.txt", string.Empty))
                .Set("GITHUB_EVENT_PATH", events)
                .Set("GITHUB_API_URL", github.ApiUrl.ToString())
                .Set("GITHUB_REPOSITORY", "acme/bot")
                .Set("GITHUB_TOKEN", "ghs_cli_token_0123456789"),
            "run", "suite.eval.yaml", "--out", "out", "--cache", "read-write", "--cache-dir", "cache");
        var html = await CliAsync(dir.Path, env => env.Set("EVAL_API_KEY", Key), "report", "out", "--format", "html", "--out", "report.html");
        var junit = await CliAsync(dir.Path, env => env.Set("EVAL_API_KEY", Key), "report", "out", "--format", "junit");
        var markdown = await CliAsync(dir.Path, env => env.Set("EVAL_API_KEY", Key), "report", "out");

        Assert.True(run.ExitCode == 1, run.StandardOutput + run.StandardError);
        Assert.Contains("judge.reason == fine (was", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, html.ExitCode);
        Assert.Contains("<testsuite", junit.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("EvalRunner", markdown.StandardOutput, StringComparison.Ordinal);
        foreach (var (name, text) in new[] { ("run", run), ("report html", html), ("report junit", junit), ("report markdown", markdown) }
                     .SelectMany(c => new[] { (c.Item1 + " stdout", c.Item2.StandardOutput), (c.Item1 + " stderr", c.Item2.StandardError) }))
        {
            SecretForms.AssertAbsent(Key, text, name);
        }

        var comment = Assert.Single(github.Comments(9)).Body;
        SecretForms.AssertAbsent(Key, comment, "the PR comment");
        Assert.Contains("echo", File.ReadAllText(summary), StringComparison.Ordinal);
        Assert.Equal(2, new FileResponseCache(Path.Combine(dir.Path, "cache"), CacheMode.ReadOnly).Count);
        Assert.True(File.Exists(Path.Combine(dir.Path, "report.html")));

        // Every file the run wrote: results, run.json, summary.md, the cache, the HTML report, the step summary.
        foreach (var file in Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories))
        {
            SecretForms.AssertAbsent(Key, File.ReadAllText(file), file);
        }
    }

    private static Task<BufferedCommandResult> CliAsync(string workingDirectory, Action<CliWrap.Builders.EnvironmentVariablesBuilder> environment, params string[] arguments) =>
        EvalRunnerCli.RunAsync(workingDirectory, arguments, TestContext.Current.CancellationToken, env =>
        {
            env.Set("GITHUB_ACTIONS", null).Set("GITHUB_TOKEN", null);
            environment(env);
        });
}
