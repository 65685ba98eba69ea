using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>
/// `dotnet test` out of process: the xunit example (examples/xunit) copied to a temp folder, its dataset scaled to N
/// datapoints and its generating suite (generated.eval.yaml) pointed at the test server, built once in Release; then,
/// each a process of its own, `dotnet test --no-build --list-tests` (discovery), `dotnet test --no-build` of the
/// generated suite's cases (--filter-trait suite=generated; the SDK evaluates the project and starts the test app on
/// Microsoft.Testing.Platform), and `evalrunner run` on the same suite file. A child's CPU time (user + system) is what
/// the kernel adds to this process's "waited-for children" times (/proc/self/stat cutime + cstime, as
/// getrusage(RUSAGE_CHILDREN)) when the runtime reaps it: every thread of the child and of the children it waited for
/// (the test app under `dotnet test`), counted to their exit; nothing of the test server, which is still running.
/// </summary>
internal static partial class DotnetTestBenchmark
{
    private const string Suite = "generated";

    public static async Task<int> RunAsync(BenchmarkOptions options, Uri baseUrl)
    {
        var repository = RepositoryRoot();
        using var work = new TempDirectory();
        var project = CopyExample(repository, work.Path, options, baseUrl);

        // Not timed: the CLI and the copy in Release (the copy builds against this repository's src/EvalRunner.Xunit).
        var cli = Path.Combine(repository, "src", "EvalRunner.Cli", "bin", "Release", "net10.0", "EvalRunner.Cli.dll");
        if (!await BuildAsync(Path.Combine(repository, "src", "EvalRunner.Cli", "EvalRunner.Cli.csproj")) || !await BuildAsync(project))
        {
            return 2;
        }

        var folder = Path.GetDirectoryName(project)!;
        var suite = Path.Combine(folder, "bin", "Release", "net10.0", "evals", Suite + ".eval.yaml");
        var testResults = Path.Combine(work.Path, "test-results");
        var cliResults = Path.Combine(work.Path, "cli-results");
        string[] dotnetTest = ["test", "--project", project, "--no-build", "-c", "Release", "--no-ansi", "--no-progress"];
        var load = LoadAverage();

        // Start-up of each path without a suite: `dotnet test --help` evaluates the project and asks the test app for its
        // options (the test platform's host starts, no test is discovered); `evalrunner --version`.
        var testStartup = await TimeAsync("dotnet", [.. dotnetTest, "--help"], folder);
        var cliStartup = await TimeAsync("dotnet", [cli, "--version"], folder);
        var discovery = await TimeAsync("dotnet", [.. dotnetTest, "--list-tests"], folder);
        var testRun = await TimeAsync("dotnet", [.. dotnetTest, "--filter-trait", "suite=" + Suite], folder, ("EVALRUNNER_RESULTS", testResults));
        var cliRun = await TimeAsync("dotnet", [cli, "run", suite, "--out", cliResults, "--cache", "off"], folder);
        load += " → " + LoadAverage();

        var listed = Listed(discovery.Output);
        var cases = Summary(testRun.Output, "total");
        var succeeded = Summary(testRun.Output, "succeeded");
        var testRows = await RowsAsync(Path.Combine(testResults, Suite));
        var cliRows = await RowsAsync(Path.Combine(cliResults, Suite));
        var ideal = TimeSpan.FromMilliseconds((double)options.N * options.LatencyMs / options.Concurrency);
        var perCase = Math.Max(cases, 1);
        var figures = new
        {
            shape = "dotnet test (examples/xunit, out of process)",
            n = options.N,
            concurrency = options.Concurrency,
            latency_ms = options.LatencyMs,
            listed_tests = listed,
            cases,
            discovery_s = Seconds(discovery.Wall),
            discovery_cpu_s = Seconds(discovery.Cpu),
            test_run_s = Seconds(testRun.Wall),
            test_run_cpu_s = Seconds(testRun.Cpu),
            cli_run_s = Seconds(cliRun.Wall),
            cli_run_cpu_s = Seconds(cliRun.Cpu),
            test_startup_s = Seconds(testStartup.Wall),
            test_startup_cpu_s = Seconds(testStartup.Cpu),
            cli_startup_s = Seconds(cliStartup.Wall),
            cli_startup_cpu_s = Seconds(cliStartup.Cpu),
            overhead_ms_per_case = Math.Round((testRun.Wall - cliRun.Wall).TotalMilliseconds / perCase, 3),
            overhead_cpu_ms_per_case = Math.Round((testRun.Cpu - cliRun.Cpu).TotalMilliseconds / perCase, 3),
            overhead_ms_per_case_above_startup = Math.Round((testRun.Wall - testStartup.Wall - (cliRun.Wall - cliStartup.Wall)).TotalMilliseconds / perCase, 3),
            overhead_cpu_ms_per_case_above_startup = Math.Round((testRun.Cpu - testStartup.Cpu - (cliRun.Cpu - cliStartup.Cpu)).TotalMilliseconds / perCase, 3),
            overhead_ms_per_case_above_discovery = Math.Round((testRun.Wall - discovery.Wall - (cliRun.Wall - cliStartup.Wall)).TotalMilliseconds / perCase, 3),
            overhead_cpu_ms_per_case_above_discovery = Math.Round((testRun.Cpu - discovery.Cpu - (cliRun.Cpu - cliStartup.Cpu)).TotalMilliseconds / perCase, 3),
            ideal_s = Seconds(ideal),
            test_rows_passed = testRows.Passed,
            cli_rows_passed = cliRows.Passed,
            load_average = load,
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            EvalRunner dotnet test, out of process: examples/xunit scaled to {options.N} datapoints, suite '{Suite}' on the test server
              datapoints            {figures.n} (suite concurrency {figures.concurrency}, server latency {figures.latency_ms} ms)
              tests listed          {figures.listed_tests} (both suites of the example: datapoints + an aggregate case each)
              cases run             {figures.cases} ({succeeded} succeeded; --filter-trait suite={Suite})
              start-up              dotnet test --help {figures.test_startup_s} s ({figures.test_startup_cpu_s} s CPU); evalrunner --version {figures.cli_startup_s} s ({figures.cli_startup_cpu_s} s CPU)
              discovery             {figures.discovery_s} s wall, {figures.discovery_cpu_s} s CPU (dotnet test --list-tests; {(discovery.Wall - testStartup.Wall).TotalMilliseconds / Math.Max(listed, 1):0.000} ms per listed test above start-up)
              test run              {figures.test_run_s} s wall, {figures.test_run_cpu_s} s CPU (dotnet test; exit {testRun.ExitCode}; {testRows.Passed} of {testRows.Rows} rows passed)
              CLI run               {figures.cli_run_s} s wall, {figures.cli_run_cpu_s} s CPU (evalrunner run --cache off; exit {cliRun.ExitCode}; {cliRows.Passed} of {cliRows.Rows} rows passed)
              overhead per case     {figures.overhead_ms_per_case} ms wall, {figures.overhead_cpu_ms_per_case} ms CPU ((test run − CLI run) ÷ cases run)
                                    {figures.overhead_ms_per_case_above_startup} ms wall, {figures.overhead_cpu_ms_per_case_above_startup} ms CPU above each path's start-up
                                    {figures.overhead_ms_per_case_above_discovery} ms wall, {figures.overhead_cpu_ms_per_case_above_discovery} ms CPU above start-up and discovery (test run − discovery − (CLI run − CLI start-up))
              ideal time            {figures.ideal_s} s   (N × latency ÷ concurrency)
              load average          {figures.load_average}
            """));
        Console.WriteLine(JsonSerializer.Serialize(figures));

        var ok = testRun.ExitCode == 0 && cliRun.ExitCode == 0 && discovery.ExitCode == 0
            && cases == options.N + 1 && succeeded == cases && listed == 2 * (options.N + 1)
            && testRows.Rows == options.N && testRows.Passed == options.N && cliRows.Rows == options.N && cliRows.Passed == options.N;
        if (!ok)
        {
            foreach (var (name, child) in new[] { ("discovery", discovery), ("test run", testRun), ("CLI run", cliRun) }.Where(c => c.Item2.ExitCode != 0))
            {
                Console.Error.WriteLine($"{name} exited with {child.ExitCode}:\n{string.Join('\n', child.Output.Split('\n').TakeLast(40))}");
            }
        }

        return ok ? 0 : 1;
    }

    /// <summary>
    /// Copies the example's two projects, the repository's build files and what the test project links (the dataset, the
    /// bot program) to <paramref name="root"/> in the same layout; returns the copied test project.
    /// </summary>
    private static string CopyExample(string repository, string root, BenchmarkOptions options, Uri baseUrl)
    {
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "BannedSymbols.txt", ".editorconfig" })
        {
            File.Copy(Path.Combine(repository, file), Path.Combine(root, file));
        }

        foreach (var folder in new[] { "examples/xunit/SupportBot", "examples/xunit/SupportBot.Evals" })
        {
            CopyFolder(Path.Combine(repository, folder), Path.Combine(root, folder));
        }

        Directory.CreateDirectory(Path.Combine(root, "examples", "support-bot"));
        File.Copy(Path.Combine(repository, "examples", "support-bot", "support_bot.py"), Path.Combine(root, "examples", "support-bot", "support_bot.py"));
        Directory.CreateDirectory(Path.Combine(root, "examples", "quickstart"));
        WriteDataset(Path.Combine(repository, "examples", "quickstart", "support.jsonl"), Path.Combine(root, "examples", "quickstart", "support.jsonl"), options.N);

        // The project reference to src/EvalRunner.Xunit, relative in the example, points at this repository.
        var project = Path.Combine(root, "examples", "xunit", "SupportBot.Evals", "SupportBot.Evals.csproj");
        Rewrite(project, XunitReference(), $"Include=\"{Path.Combine(repository, "src", "EvalRunner.Xunit", "EvalRunner.Xunit.csproj")}\"");

        // The generating suite's model config runs the bot program (provider: command); here it is an OpenAI-compatible
        // endpoint: the test server. The suite's concurrency is the benchmark's.
        var suite = Path.Combine(root, "examples", "xunit", "SupportBot.Evals", "evals", Suite + ".eval.yaml");
        Rewrite(suite, ModelsBlock(), $"""
            models:
              - name: support-bot
                provider: openai
                model: support-bot
                base_url: {baseUrl}
                api_key: bench-key

            """);
        Rewrite(suite, ConcurrencyKey(), "concurrency: " + options.Concurrency.ToString(CultureInfo.InvariantCulture));
        return project;
    }

    /// <summary>
    /// N datapoints shaped like the example's (input or messages, expected, context, tags), by cycling through them: the
    /// id numbered, and the expected text added to the last user message so that the test server's echo contains it.
    /// </summary>
    private static void WriteDataset(string example, string path, int n)
    {
        var templates = File.ReadAllLines(example).Where(line => line.Length > 0).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        using var writer = new StreamWriter(path);
        for (var i = 0; i < n; i++)
        {
            var datapoint = templates[i % templates.Count].DeepClone().AsObject();
            var expected = (string)datapoint["expected"]!;
            datapoint["id"] = $"{(string)datapoint["id"]!}-{i}";
            var ticket = string.Create(CultureInfo.InvariantCulture, $" (ticket {i}: {expected}?)");
            if (datapoint["input"] is { } input)
            {
                datapoint["input"] = (string)input! + ticket;
            }
            else
            {
                var last = datapoint["messages"]!.AsArray().Last(m => (string)m!["role"]! is "user" or "human")!;
                last["content"] = (string)last["content"]! + ticket;
            }

            writer.Write(datapoint.ToJsonString());
            writer.Write('\n');
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var folder in Directory.GetDirectories(from).Where(f => Path.GetFileName(f) is not ("bin" or "obj")))
        {
            CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }

    private static void Rewrite(string path, Regex pattern, string replacement)
    {
        var text = File.ReadAllText(path);
        if (!pattern.IsMatch(text))
        {
            throw new InvalidOperationException($"{path}: nothing matches {pattern}; the example changed, update {nameof(DotnetTestBenchmark)}");
        }

        File.WriteAllText(path, pattern.Replace(text, replacement.Replace("$", "$$", StringComparison.Ordinal), 1));
    }

    private static async Task<bool> BuildAsync(string project)
    {
        // The build's output goes to the console (build servers it starts may outlive it and hold a redirected pipe).
        using var build = Process.Start(new ProcessStartInfo("dotnet") { ArgumentList = { "build", project, "-c", "Release", "-v:q", "-nologo" } })!;
        await build.WaitForExitAsync();
        if (build.ExitCode != 0)
        {
            Console.Error.WriteLine($"dotnet build {project} exited with {build.ExitCode}");
        }

        return build.ExitCode == 0;
    }

    private static async Task<Child> TimeAsync(string fileName, string[] arguments, string workingDirectory, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No colours, and no telemetry (the SDK's and the test platform's), which has no network to reach here.
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["TESTINGPLATFORM_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var cpu = ChildrenCpu();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var wall = clock.Elapsed;

        // The runtime has reaped the child (WaitForExit returns after waitpid): its times are in this process's cutime/cstime.
        cpu = ChildrenCpu() - cpu;
        return new Child(wall, cpu, process.ExitCode, await output + await error);
    }

    /// <summary>The user + system time of this process's children that have exited and been waited for (clock ticks of 10 ms).</summary>
    private static TimeSpan ChildrenCpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");

        // The fields after the command's closing parenthesis; cutime and cstime are the 16th and 17th of the line.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return TimeSpan.FromMilliseconds((long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)) * 10.0);
    }

    /// <summary>The tests `dotnet test --list-tests` found ("Discovered 2002 tests."); -1 when it does not say.</summary>
    private static int Listed(string output)
    {
        var match = Regex.Match(output, @"^Discovered (\d+) tests\.\s*$", RegexOptions.Multiline);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>A count from the test platform's summary ("total: 2001", "succeeded: 2001"); -1 when it is not there.</summary>
    private static int Summary(string output, string name)
    {
        var match = Regex.Match(output, $@"^\s*{name}:\s*(\d+)\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
    }

    private static async Task<(int Rows, int Passed)> RowsAsync(string directory)
    {
        if (!File.Exists(Path.Combine(directory, "run.json")))
        {
            return (0, 0);
        }

        var run = await ResultsStore.ReadRunAsync(directory, CancellationToken.None);
        return (run.Rows, run.Passed);
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "EvalRunner.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"no EvalRunner.sln above {AppContext.BaseDirectory}: run the benchmark from the repository's build");
    }

    private static double Seconds(TimeSpan time) => Math.Round(time.TotalSeconds, 3);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    [GeneratedRegex(@"Include=""[^""]*src[\\/]EvalRunner\.Xunit[\\/]EvalRunner\.Xunit\.csproj""")]
    private static partial Regex XunitReference();

    [GeneratedRegex(@"^models:\n(?:[ \t]+.*\n)+", RegexOptions.Multiline)]
    private static partial Regex ModelsBlock();

    [GeneratedRegex(@"concurrency: \d+")]
    private static partial Regex ConcurrencyKey();

    private sealed record Child(TimeSpan Wall, TimeSpan Cpu, int ExitCode, string Output);
}
