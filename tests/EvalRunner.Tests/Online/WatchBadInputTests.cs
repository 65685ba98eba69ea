using EvalRunner.Testing;
using System.Net;
using System.Text;
using System.Text.Json;
using EvalRunner.Cli.Online;

namespace EvalRunner.Tests.Online;

/// <summary>Input the watcher cannot read: reported with where it is and skipped, and the watch goes on.</summary>
public sealed class WatchBadInputTests
{
    private const string Pass = "{\"input\":\"can I get my money back?\",\"generated_response\":\"yes, a refund is possible\"}\n";
    private const string LoneSurrogate = "{\"input\":\"can I get my money back?\",\"generated_response\":\"yes \\ud800 a refund\"}\n";

    [Fact(Timeout = 120000)]
    public async Task A_line_with_a_lone_surrogate_escape_is_reported_with_its_file_and_line_and_skipped_also_after_a_restart()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nonline: {}\n");
        var log = Path.Combine(dir.Path, "app.jsonl");
        var output = Path.Combine(dir.Path, "out");
        File.WriteAllText(log, Pass + LoneSurrogate + Pass);
        var said = new List<string>();
        await using (var first = await InProcessWatch.StartAsync(suitePath, output, log, token, s => { lock (said) { said.Add(s); } }))
        {
            await first.UntilAsync(() => first.Monitor.Evaluated == 2 && first.Monitor.Malformed == 1, token);
            await first.StopAsync();
        }

        lock (said)
        {
            Assert.Contains(said, s => s.Contains("app.jsonl:2: generated_response", StringComparison.Ordinal) && s.Contains("not valid text", StringComparison.Ordinal));
        }

        // Started again: the bad line is behind the checkpoint, and the stream goes on.
        File.AppendAllText(log, Pass);
        await using (var second = await InProcessWatch.StartAsync(suitePath, output, log, token))
        {
            await second.UntilAsync(() => second.Monitor.Evaluated == 1, token);
            await second.StopAsync();
            Assert.Equal(0, second.Monitor.Malformed);
        }

        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "results.jsonl")).Length);
    }

    [Fact(Timeout = 30000)]
    public async Task A_pushed_log_with_a_lone_surrogate_escape_is_answered_400_naming_its_field_and_nothing_is_taken()
    {
        var token = TestContext.Current.CancellationToken;
        var intake = new BoundedIntake();
        await using var listener = await LogListener.StartAsync(new LogListenerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, 0) }, intake, parse: null, token);
        using var http = new HttpClient();

        using var response = await http.PostAsync(new Uri(listener.Address, "logs"), new StringContent(Pass + LoneSurrogate, Encoding.UTF8, "application/x-ndjson"), token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(token)).RootElement;
        Assert.Equal(1, body.GetProperty("index").GetInt32());
        Assert.Equal("generated_response", body.GetProperty("field").GetString());
        Assert.Empty(intake.Taken);
    }
}
