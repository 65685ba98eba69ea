using System.Text;
using CliWrap;
using EvalRunner.Suites;
using EvalRunner.Testing;
using EvalRunner.Tests.Cli;

namespace EvalRunner.Tests.Secrets;

/// <summary>
/// Secrets are the values in credential positions: <c>api_key</c>, credential headers, a webhook's path and query.
/// Other headers, URLs, model names and whatever else comes from the environment are shown as they are.
/// </summary>
public sealed class CredentialPositionTests
{
    private const string Key = "sk-test-EVAL9f3K+q7Z/p2Lx8Wmabcd";
    private const string Webhook = "https://hooks.slack.com/services/T0A1B2C3D/B0E4F5G6H/abcdefghijklmnopqrstuvwx";

    private static Settings LoadSuite(TempDirectory dir)
    {
        var settings = TestSettings.With(
            ("EVAL_API_KEY", Key),
            ("OPENAI_BASE_URL", "https://api.example.com/v1/"),
            ("MODEL", "gpt-4o-mini"),
            ("ACCEPT", "application/json"),
            ("UPSTREAM", "hv-upstream-0123456789"),
            ("SIGNING", "sig-0123456789abcdef"),
            ("SLACK_WEBHOOK_URL", Webhook));
        var path = dir.File("suite.eval.yaml", """
            dataset:
              - input: hi
            models:
              - {name: chat, provider: openai, model: "${MODEL}", base_url: "${OPENAI_BASE_URL}", api_key: "${EVAL_API_KEY}"}
              - name: http
                provider: http
                url: https://api.example.com/v1/chat/completions
                headers:
                  Authorization: "Bearer tok-inline-0123456789abcdef"
                  Accept: "${ACCEPT}"
                  Content-Type: application/json
                  X-Request-Source: https://example.org/
                  x-api-key: "${UPSTREAM}"
                  X-Signature: "${SIGNING}"
                  Cookie: "session=cookie-value-0123456789"
                response_path: $.choices[0].message.content
            online: {alerts: {webhook: "${SLACK_WEBHOOK_URL}"}}
            """);
        SuiteLoader.Load(path, settings);
        return settings;
    }

    [Fact]
    public void Ordinary_text_is_unchanged_with_credential_and_other_headers_an_environment_base_URL_and_model_and_a_webhook()
    {
        using var dir = new TempDirectory();
        var settings = LoadSuite(dir);

        foreach (var line in Corpus.Lines)
        {
            Assert.Equal(line, settings.Redact(line));
        }

        Assert.Equal("gpt-4o-mini at https://api.example.com/v1/ says application/json", settings.Redact("gpt-4o-mini at https://api.example.com/v1/ says application/json"));
    }

    [Fact]
    public void Values_in_credential_positions_are_secrets_in_every_form()
    {
        using var dir = new TempDirectory();
        var settings = LoadSuite(dir);

        SecretForms.AssertAbsent(Key, settings.Redact(SecretForms.Echo(Key)), "an echo of the api_key");
        Assert.Equal("auth Bearer ***, token ***, upstream ***, signature ***, cookie ***", settings.Redact(
            "auth Bearer tok-inline-0123456789abcdef, token tok-inline-0123456789abcdef, upstream hv-upstream-0123456789, signature sig-0123456789abcdef, cookie cookie-value-0123456789"));
        foreach (var secret in new[] { "tok-inline-0123456789abcdef", "hv-upstream-0123456789", "sig-0123456789abcdef" })
        {
            SecretForms.AssertAbsent(secret, settings.Redact(SecretForms.Echo(secret)), "an echo of a header");
        }
    }

    [Fact]
    public void A_webhooks_path_and_query_are_secret_and_its_scheme_and_host_are_not()
    {
        using var dir = new TempDirectory();
        var settings = TestSettings.With();
        var path = dir.File("suite.eval.yaml", "dataset:\n  - input: hi\nonline: {alerts: {webhook: 'https://alerts.example.com/hooks/T0A1B2C3D/route-0123456789?sig=qs-0123456789abcdef'}}\n");
        SuiteLoader.Load(path, settings);

        Assert.Equal("posted to https://alerts.example.com***?sig=***", settings.Redact("posted to https://alerts.example.com/hooks/T0A1B2C3D/route-0123456789?sig=qs-0123456789abcdef"));
        Assert.Equal("see https://alerts.example.com/ and /hooks/", settings.Redact("see https://alerts.example.com/ and /hooks/"));
        Assert.Equal(Corpus.Text, settings.Redact(Corpus.Text));
    }

    [Fact(Timeout = 60000)]
    public async Task The_watcher_prints_its_own_address_when_a_webhook_on_the_same_host_is_configured()
    {
        using var dir = new TempDirectory();
        dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\n"
            + "online: {alerts: {webhook: 'http://127.0.0.1:9/services/T0A1B2C3D/B0E4F5G6H/abcdefghijklmnopqrstuvwx'}}\n");
        var watching = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var command = CliWrap.Cli.Wrap("dotnet")
            .WithArguments([EvalRunnerCli.Path, "watch", "prod.eval.yaml", "--listen", "127.0.0.1:0", "--out", "out"])
            .WithWorkingDirectory(dir.Path)
            .WithEnvironmentVariables(env => env.Set("NO_COLOR", "1"))
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line =>
            {
                if (line.StartsWith("watching", StringComparison.Ordinal))
                {
                    watching.TrySetResult(line);
                }
            }))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line =>
            {
                lock (errors)
                {
                    errors.AppendLine(line);
                }
            }));
        var run = command.ExecuteAsync(stop.Token);
        _ = ExitedAsync();

        var printed = await watching.Task.WaitAsync(TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Matches(@"^watching http://127\.0\.0\.1:\d+/logs, http://127\.0\.0\.1:\d+/v1/traces with suite 'prod'", printed);

        async Task ExitedAsync()
        {
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }

            watching.TrySetException(new InvalidOperationException("the watcher exited before it printed its address: " + errors));
        }
    }
}
