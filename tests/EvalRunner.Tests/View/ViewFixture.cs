using EvalRunner.Cli.View;
using EvalRunner.Runs;
using EvalRunner.Testing;
using Microsoft.Playwright;

namespace EvalRunner.Tests.View;

/// <summary>
/// Two CI-like folders of one suite's runs (ci-1 and ci-2, each with evalrunner-results/support/ and a commit and a
/// branch), made by real runs of a suite whose model is a Python script; and the view served over them.
/// </summary>
internal sealed class ViewFixture : IDisposable
{
    public const string Header = "id,model_config,reviewer,correct,rating,tone,note\n";

    private readonly TempDirectory _dir = new();

    private ViewFixture()
    {
    }

    public string Root => _dir.Path;

    public string SuitePath => Path.Combine(Root, "suite", "support.eval.yaml");

    public string ScoresPath => Path.Combine(Root, "suite", "reviews.csv");

    public string First => Path.Combine(Root, "ci-1");

    public string Second => Path.Combine(Root, "ci-2");

    public string Cache => Path.Combine(Root, "cache");

    /// <summary>
    /// The suite and two runs: in the first every datapoint passes; in the second <paramref name="wrong"/> fail.
    /// <paramref name="inputs"/> gives datapoints' inputs (the model echoes its input after "yes ").
    /// </summary>
    public static async Task<ViewFixture> CreateAsync(IReadOnlyList<string> wrong, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? inputs = null)
    {
        var fixture = new ViewFixture();
        var dir = fixture._dir;
        dir.File("suite/bot.py", "import json,sys\nd=json.load(sys.stdin)\nwrong=open('wrong.txt').read().split()\nprint(('no ' if d['id'] in wrong else 'yes ') + d['input'])\n");
        dir.File("suite/cases.jsonl", string.Concat(Enumerable.Range(1, 10).Select(i =>
        {
            var id = $"d{i:D2}";
            var input = inputs?.GetValueOrDefault(id) ?? $"question {i}";
            return System.Text.Json.JsonSerializer.Serialize(new { id, input, expected = "yes " + input, context = new { source = $"page {i}" } }) + "\n";
        })));
        dir.File("suite/reviews.csv", Header);
        dir.File("suite/support.eval.yaml", "name: support\ndataset: cases.jsonl\nmodels: [{name: bot, provider: command, command: [python3, bot.py]}]\nevaluators:\n"
            + "  - {name: check, type: equals}\n"
            + "  - {name: review, type: external, file: reviews.csv, missing: skip, columns: [{name: correct, type: bool}, {name: rating, type: integer, min: 1, max: 5}, {name: tone, type: choices, options: [calm, rude]}, {name: note, type: string}]}\n"
            + "thresholds:\n  - check.passed == true\n");
        await fixture.RunAsync(fixture.First, [], "1111111111111111111111111111111111111111", "main", cancellationToken);
        await fixture.RunAsync(fixture.Second, wrong, "2222222222222222222222222222222222222222", "feature/tone", cancellationToken);
        return fixture;
    }

    /// <summary>A run of the suite into FOLDER/evalrunner-results/support, as CI would make it.</summary>
    public Task<SuiteRun> RunAsync(string folder, IReadOnlyList<string> wrong, string commit, string branch, CancellationToken cancellationToken)
    {
        File.WriteAllText(Path.Combine(Root, "suite", "wrong.txt"), string.Join(" ", wrong));
        return SuiteRun.RunAsync(
            SuitePath,
            TestSettings.With(("GITHUB_SHA", commit), ("GITHUB_HEAD_REF", branch)),
            new RunRequest { OutputDirectory = Path.Combine(folder, "evalrunner-results", "support") },
            cancellationToken);
    }

    /// <summary>The view over both folders; with the suite when <paramref name="review"/>.</summary>
    public Task<ViewServer> ServeAsync(bool review, CancellationToken cancellationToken, params string[] more) =>
        ViewServer.StartAsync(
            new ViewOptions
            {
                Directories = [First, Second, .. more],
                CacheDirectory = Cache,
                SuitePath = review ? SuitePath : null,
                Settings = TestSettings.With(),
            },
            cancellationToken);

    /// <summary>
    /// A page of the view in Chromium: console errors, page errors and dialogs are collected as problems, and any
    /// request to another host is refused and listed.
    /// </summary>
    /// <remarks>
    /// Each step may take up to two minutes: on a loaded machine, with every other test class in the same process, one
    /// navigation through the in-process server once took more than Playwright's default 30 seconds.
    /// </remarks>
    public static async Task<(IPage Page, List<string> Problems, List<string> Elsewhere)> OpenAsync(IBrowser browser, ViewServer server)
    {
        var (page, problems, elsewhere) = await Reports.HtmlReportTests.NewPageAsync(browser, url => url.StartsWith(server.Address.ToString(), StringComparison.Ordinal));
        page.SetDefaultTimeout(120_000);
        page.SetDefaultNavigationTimeout(120_000);
        return (page, problems, elsewhere);
    }

    public void Dispose() => _dir.Dispose();
}
