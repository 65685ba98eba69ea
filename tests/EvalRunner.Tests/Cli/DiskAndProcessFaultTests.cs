using System.Diagnostics;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Reports;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Cli;

/// <summary>A full or read-only disk and a killed process, with the real CLI, a real tmpfs and the loopback server.</summary>
public sealed class DiskAndProcessFaultTests
{

    private static string Suite(TempDirectory dir, FakeOpenAIServer server, int datapoints, int concurrency)
    {
        dir.File("cases.jsonl", string.Join('\n', Enumerable.Range(0, datapoints).Select(i => $"{{\"id\":\"d{i}\",\"input\":\"question {i}\"}}")) + "\n");
        return dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels: [{{provider: openai, model: m, base_url: \"{server.BaseUrl}\"}}]\nevaluators: [{{type: length}}]\nrun: {{concurrency: {concurrency}}}\n");
    }

    [Fact(Timeout = 120000)]
    public async Task A_full_output_disk_stops_the_run_with_exit_code_2_naming_the_file_and_leaves_no_cut_line()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken);
        server.Respond = request => "answer " + new string('x', 2000);
        using var dir = new TempDirectory();
        await using var disk = await TmpfsMount.MountAsync(Path.Combine(dir.Path, "disk"), "64k", cancellationToken);
        var suite = Suite(dir, server, datapoints: 300, concurrency: 4);

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", Path.Combine("disk", "out"), "--cache", "off"], cancellationToken);

        var rowsFile = Path.Combine("disk", "out", "s", "results.jsonl");
        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        Assert.Contains($"error: {rowsFile}: cannot write the run's results: No space left on device", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);

        // Generation stopped at the fault instead of paying for the whole dataset.
        Assert.InRange(server.RequestCount, 1, 299);

        // Every line on disk is a whole row: the cut one was taken back.
        var lines = File.ReadAllLines(Path.Combine(dir.Path, rowsFile));
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal("pass", JsonDocument.Parse(line).RootElement.GetProperty("outcome").GetString()));
        Assert.False(File.Exists(Path.Combine(dir.Path, "disk", "out", "s", "run.json")), "no run.json may claim a decided run");
    }

    [Fact(Timeout = 120000)]
    public async Task A_read_only_output_disk_fails_with_exit_code_2_naming_the_folder_before_anything_is_generated()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken);
        using var dir = new TempDirectory();
        await using var disk = await TmpfsMount.MountAsync(Path.Combine(dir.Path, "disk"), "1m", cancellationToken);
        await disk.MakeReadOnlyAsync(cancellationToken);
        var suite = Suite(dir, server, datapoints: 20, concurrency: 4);

        var result = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", Path.Combine("disk", "out"), "--cache", "off"], cancellationToken);

        Assert.True(result.ExitCode == 2, result.StandardOutput + result.StandardError);
        Assert.Contains($"error: {Path.Combine("disk", "out", "s")}: cannot write the run's results: Read-only file system", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact(Timeout = 120000)]
    public async Task A_whole_file_written_on_a_full_disk_leaves_the_earlier_file_as_it_was()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await using var disk = await TmpfsMount.MountAsync(Path.Combine(dir.Path, "disk"), "64k", cancellationToken);
        var path = Path.Combine(disk.Path, "run.json");
        await AtomicFile.WriteAllTextAsync(path, "{\"verdict\": \"pass\"}", cancellationToken);

        await Assert.ThrowsAsync<IOException>(() => AtomicFile.WriteAllTextAsync(path, new string('x', 200_000), cancellationToken));

        Assert.Equal("{\"verdict\": \"pass\"}", await File.ReadAllTextAsync(path, cancellationToken));
        Assert.Equal(["run.json"], Directory.GetFiles(disk.Path).Select(Path.GetFileName));
    }

    [Fact(Timeout = 180000)]
    public async Task A_cut_last_line_is_dropped_with_a_warning_on_resume_and_its_datapoint_runs_again()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken);
        using var dir = new TempDirectory();
        var suite = Suite(dir, server, datapoints: 6, concurrency: 2);
        var first = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--out", "out", "--cache", "off"], cancellationToken);
        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        var rowsFile = Path.Combine(dir.Path, "out", "s", "results.jsonl");
        var text = await File.ReadAllTextAsync(rowsFile, cancellationToken);
        await File.WriteAllTextAsync(rowsFile, text[..^40], cancellationToken);

        var resumed = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--resume", "out", "--cache", "off"], cancellationToken);

        Assert.True(resumed.ExitCode == 0, resumed.StandardOutput + resumed.StandardError);
        var warning = $"{Path.Combine("out", "s", "results.jsonl")}:6: not a whole row (cut off when the earlier run stopped); it was dropped and its datapoint ran again";
        Assert.Contains("warning: " + warning, resumed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(MarkdownText.Cell(warning), await File.ReadAllTextAsync(Path.Combine(dir.Path, "out", "summary.md"), cancellationToken), StringComparison.Ordinal);
        var ids = File.ReadAllLines(rowsFile).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("datapoint_id").GetString()).ToList();
        Assert.Equal(6, ids.Distinct().Count());
        Assert.Equal(6, ids.Count);
        Assert.Equal(7, server.RequestCount);
    }

    [Fact(Timeout = 180000)]
    public async Task A_run_killed_with_calls_in_flight_repays_at_most_its_concurrency_on_resume_and_says_how_many()
    {
        const int datapoints = 40;
        const int concurrency = 4;
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var server = await FakeOpenAIServer.StartAsync(cancellationToken);
        using var dir = new TempDirectory();
        var suite = Suite(dir, server, datapoints, concurrency);

        // Ten requests are answered; the next ones are held at the provider, sent and never answered, until the kill.
        server.HoldAfter(10);
        using (var process = Process.Start(new ProcessStartInfo("dotnet", [EvalRunnerCli.Path, "run", suite, "--out", "out", "--cache", "off"])
        {
            WorkingDirectory = dir.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            var held = server.WaitForHeldAsync(concurrency, cancellationToken);
            if (await Task.WhenAny(held, process.WaitForExitAsync(cancellationToken)) != held)
            {
                Assert.Fail($"evalrunner exited with code {process.ExitCode} before {concurrency} requests were in flight:\n{await stdout}\n{await stderr}");
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken);
        }

        Assert.Equal(10, server.AnsweredCount);
        server.OpenGate();

        var resumed = await EvalRunnerCli.RunAsync(dir.Path, ["run", suite, "--resume", "out", "--cache", "off"], cancellationToken);

        Assert.True(resumed.ExitCode == 0, resumed.StandardOutput + resumed.StandardError);
        var ids = File.ReadAllLines(Path.Combine(dir.Path, "out", "s", "results.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("datapoint_id").GetString())
            .ToList();
        Assert.Equal(datapoints, ids.Distinct().Count());
        Assert.Equal(datapoints, ids.Count);
        var extra = (int)(server.RequestCount - datapoints);
        Assert.InRange(extra, 1, concurrency);
        var run = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Path, "out", "s", "run.json"), cancellationToken)).RootElement;
        Assert.Equal(extra, run.GetProperty("repaid").GetInt32());
        Assert.Contains($"resumed: {extra} generation(s) paid again", resumed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"resumed; {extra} generation(s) paid again", await File.ReadAllTextAsync(Path.Combine(dir.Path, "out", "summary.md"), cancellationToken), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out", "s", "inflight.jsonl")), "a completed run has nothing in flight");
    }
}
