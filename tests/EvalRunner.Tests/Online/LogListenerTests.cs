using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EvalRunner.Cli.Online;
using EvalRunner.Logs;

namespace EvalRunner.Tests.Online;

public sealed class LogListenerTests
{
    private const string Log = """{"input":"What is 2+2?","generated_response":"4","model":"gpt-x","latency_ms":12,"input_tokens":5,"output_tokens":1}""";

    private static Task<LogListener> StartAsync(BoundedIntake intake, CancellationToken cancellationToken, string? token = null, long maxBodyBytes = LogListenerOptions.DefaultMaxBodyBytes) =>
        LogListener.StartAsync(
            new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0), BearerToken = token, MaxBodyBytes = maxBodyBytes },
            intake,
            parse: null,
            cancellationToken);

    private static async Task<HttpResponseMessage> PostAsync(LogListener listener, string body, CancellationToken cancellationToken, string contentType = "application/json", string? token = null)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(listener.Address, "logs"))
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request, cancellationToken);
    }

    [Fact(Timeout = 30_000)]
    public async Task One_log_is_taken_as_a_datapoint_with_its_supplied_log_and_answered_202()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await StartAsync(intake, ct);

        using var response = await PostAsync(listener, Log, ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var log = Assert.Single(intake.Taken);
        Assert.StartsWith("http:", log.Id, StringComparison.Ordinal);
        Assert.EndsWith(":0", log.Id, StringComparison.Ordinal);
        Assert.Equal(log.Id, log.Datapoint.Id);
        Assert.Equal("What is 2+2?", log.Datapoint.Input);
        Assert.Equal("4", log.Log.Response);
        Assert.Equal("gpt-x", log.Log.Model);
        Assert.Equal(12, log.Log.LatencyMs);
        Assert.Equal(5, log.Log.InputTokens);
        Assert.True(log.Log.Supplied);
    }

    [Fact(Timeout = 30_000)]
    public async Task An_array_and_JSONL_of_identical_logs_give_distinct_ids_by_request_and_index()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await StartAsync(intake, ct);

        using var array = await PostAsync(listener, $"[{Log},{Log}]", ct);
        using var lines = await PostAsync(listener, $"{Log}\n{Log}\n{Log}\n", ct, "application/x-ndjson");
        using var plainLines = await PostAsync(listener, $"{Log}\n{Log}", ct, "text/plain");

        Assert.Equal(HttpStatusCode.Accepted, array.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, lines.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, plainLines.StatusCode);
        var ids = intake.Taken.Select(l => l.Id).ToList();
        Assert.Equal(7, ids.Count);
        Assert.Equal(7, ids.Distinct().Count());
        Assert.Equal([":0", ":1", ":0", ":1", ":2", ":0", ":1"], ids.Select(id => id[id.LastIndexOf(':')..]));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_log_with_its_own_id_keeps_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await StartAsync(intake, ct);

        using var response = await PostAsync(listener, """{"id":"req-42","input":"hi","generated_response":"hello"}""", ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("req-42", Assert.Single(intake.Taken).Id);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_malformed_log_is_answered_400_naming_its_index_and_field_and_nothing_is_taken()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await StartAsync(intake, ct);

        using var badField = await PostAsync(listener, $$"""[{{Log}},{"input":"hi","generated_response":"x","latency_ms":"slow"}]""", ct);
        using var noResponse = await PostAsync(listener, """{"input":"hi"}""", ct);
        using var notJson = await PostAsync(listener, $"{Log}\n{{oops\n", ct, "application/x-ndjson");

        Assert.Equal(HttpStatusCode.BadRequest, badField.StatusCode);
        using var error = JsonDocument.Parse(await badField.Content.ReadAsStringAsync(ct));
        Assert.Equal(1, error.RootElement.GetProperty("index").GetInt32());
        Assert.Equal("latency_ms", error.RootElement.GetProperty("field").GetString());
        Assert.Contains("log 1: latency_ms", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, noResponse.StatusCode);
        Assert.Contains("generated_response", await noResponse.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Contains("log 1 is not JSON", await notJson.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Empty(intake.Taken);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_request_without_the_bearer_token_is_answered_401()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await StartAsync(intake, ct, token: "s3cret");

        using var none = await PostAsync(listener, Log, ct);
        using var wrong = await PostAsync(listener, Log, ct, token: "guess");
        using var right = await PostAsync(listener, Log, ct, token: "s3cret");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, right.StatusCode);
        Assert.Single(intake.Taken);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_body_over_the_limit_is_answered_413()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await StartAsync(intake, ct, maxBodyBytes: 200);

        using var small = await PostAsync(listener, Log, ct);
        using var large = await PostAsync(listener, $"[{Log},{Log}]", ct);

        Assert.Equal(HttpStatusCode.Accepted, small.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Single(intake.Taken);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_burst_larger_than_the_queue_gets_429_with_Retry_After_and_every_log_is_taken_once_on_retry()
    {
        var ct = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake(capacity: 3);
        await using var listener = await StartAsync(intake, ct);
        var bodies = Enumerable.Range(0, 8).Select(i => $$"""{"input":"question {{i}}","generated_response":"answer {{i}}"}""").ToList();

        var rejected = new List<string>();
        foreach (var body in bodies)
        {
            using var response = await PostAsync(listener, body, ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
                rejected.Add(body);
            }
            else
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        }

        Assert.Equal(5, rejected.Count);
        while (rejected.Count > 0)
        {
            intake.Drain();
            var retry = rejected;
            rejected = [];
            foreach (var body in retry)
            {
                using var response = await PostAsync(listener, body, ct);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    rejected.Add(body);
                }
            }
        }

        var taken = intake.Taken;
        Assert.Equal(8, taken.Count);
        Assert.Equal(8, taken.Select(l => l.Id).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"answer {i}").Order(), taken.Select(l => l.Log.Response!).Order());
    }
}
