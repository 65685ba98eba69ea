using EvalRunner.Logs;
using EvalRunner.Reports;
using EvalRunner.Testing;
using Microsoft.Playwright;

namespace EvalRunner.Tests.Reports;

/// <summary>The HTML report in headless Chromium (Debian's chromium, driven by Playwright).</summary>
public sealed class HtmlReportTests
{
    // Playwright takes no CancellationToken: the test's Timeout is what stops a Chromium that never starts.
    internal static async Task<(IBrowser Browser, IPlaywright Playwright)> LaunchAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Settings.FromEnvironment().Get("EVALRUNNER_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (browser, playwright);
    }

    /// <summary>
    /// A new page that collects console errors, page errors and dialogs as problems, and refuses and lists every request
    /// whose URL <paramref name="allowed"/> does not accept.
    /// </summary>
    internal static async Task<(IPage Page, List<string> Problems, List<string> Requests)> NewPageAsync(IBrowser browser, Func<string, bool> allowed)
    {
        var page = await browser.NewPageAsync();
        var problems = new List<string>();
        var requests = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add("console: " + message.Text);
            }
        };
        page.PageError += (_, error) => problems.Add("page: " + error);
        page.Dialog += (_, dialog) => problems.Add("dialog: " + dialog.Message);
        await page.RouteAsync("**/*", async route =>
        {
            if (allowed(route.Request.Url))
            {
                await route.ContinueAsync();
            }
            else
            {
                requests.Add(route.Request.Url);
                await route.AbortAsync();
            }
        });
        return (page, problems, requests);
    }

    private static async Task<(IPage Page, List<string> Problems, List<string> Requests)> OpenAsync(IBrowser browser, string file)
    {
        // The report is self-contained: anything but the file itself is a defect.
        var (page, problems, requests) = await NewPageAsync(browser, url => url.StartsWith("file:", StringComparison.Ordinal));
        await page.GotoAsync(new Uri(file).AbsoluteUri);
        return (page, problems, requests);
    }

    [Fact(Timeout = 180000)]
    public async Task The_report_renders_without_errors_filters_and_sorts_rows_and_charts_the_scores()
    {
        var reports = await RunReport.ReadAllAsync(ReportFixture.FixedResults, TestContext.Current.CancellationToken);
        using var dir = new TempDirectory();
        var file = dir.File("report.html", HtmlReport.Render(reports));
        var (browser, playwright) = await LaunchAsync(TestContext.Current.CancellationToken);
        using (playwright)
        await using (browser)
        {
            var (page, problems, requests) = await OpenAsync(browser, file);

            Assert.Equal(13, await page.Locator("#rows tbody tr").CountAsync());
            Assert.Contains("EvalRunner: 2 suites failed", await page.Locator("#summary h2").First.InnerTextAsync(), StringComparison.Ordinal);
            Assert.True(await page.Locator("#charts svg").CountAsync() >= 3);
            await page.FillAsync("#filter", "no-expected");
            Assert.Equal(1, await page.Locator("#rows tbody tr").CountAsync());
            Assert.Equal("1 of 13 rows", await page.Locator("#count").InnerTextAsync());
            await page.FillAsync("#filter", string.Empty);
            await page.Locator("#rows thead th", new PageLocatorOptions { HasTextString = "id" }).First.ClickAsync();
            Assert.Equal("cancel-subscription", await page.Locator("#rows tbody tr:first-child td:nth-child(2)").InnerTextAsync());
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "html-report.png"), FullPage = true });

            Assert.Empty(problems);
            Assert.Empty(requests);
        }
    }

    [Fact(Timeout = 180000)]
    public async Task A_watch_report_shows_the_pass_rate_and_aggregate_means_per_time_bucket()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var suitePath = dir.File("prod.eval.yaml", "name: prod\nevaluators: [{type: contains, value: refund}]\nthresholds: [contains.passed == true, mean(contains.passed) >= 0.5]\nonline: {}\n");
        var settings = new Settings(new Dictionary<string, string>());
        var suite = EvalRunner.Suites.SuiteLoader.Load(suitePath, new EvalRunner.Suites.SuiteLoadOptions { Settings = settings });
        var output = Path.Combine(dir.Path, "out");
        var start = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        // 10:00 four logs that pass, 11:00 two of four, 12:00 none of two.
        var plan = new[] { (0, 4, 4), (1, 4, 2), (2, 2, 0) };
        var logs = plan.SelectMany(p => Enumerable.Range(0, p.Item2).Select(i => (At: start.AddHours(p.Item1).AddMinutes(i), Pass: i < p.Item3))).Select((l, i) => new EvalRunner.Online.IncomingLog
        {
            Id = $"http:r1:{i}",
            Datapoint = new EvalRunner.Datasets.Datapoint { Id = $"http:r1:{i}", Messages = [new(Microsoft.Extensions.AI.ChatRole.User, "can I get my money back?")] },
            Log = new EvalRunner.Logs.Log { ModelConfig = "prod-bot", Response = l.Pass ? "yes, a refund" : "no <b>way</b>", Timestamp = l.At },
        }).ToList();
        using (var monitor = await EvalRunner.Online.OnlineMonitor.StartAsync(new EvalRunner.Runs.RunEngine(settings), suite, output, _ => { }, token))
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
            var watching = monitor.WatchAsync(null, TimeSpan.FromMilliseconds(20), stop.Token);
            Assert.True(await monitor.TryAcceptAsync(logs, token));
            while (monitor.Evaluated < logs.Count)
            {
                Assert.False(watching.IsCompleted, "the watcher stopped");
                await Task.Delay(20, token);
            }

            await stop.CancelAsync();
            await watching;
        }

        var reports = await RunReport.ReadAllAsync(output, token);
        var file = dir.File("report.html", HtmlReport.Render(reports));
        var (browser, playwright) = await LaunchAsync(token);
        using (playwright)
        await using (browser)
        {
            var (page, problems, requests) = await OpenAsync(browser, file);

            var buckets = page.Locator("#over-time table tbody tr");
            Assert.Equal(3, await buckets.CountAsync());
            Assert.Equal(["mean(contains.passed)"], (await page.Locator("#over-time table thead th").AllInnerTextsAsync()).Skip(3));
            Assert.Equal(["2026-11-27 10:00", "4", "100.0%", "1"], await buckets.Nth(0).Locator("td").AllInnerTextsAsync());
            Assert.Equal(["2026-11-27 11:00", "4", "50.0%", "0.5"], await buckets.Nth(1).Locator("td").AllInnerTextsAsync());
            Assert.Equal(["2026-11-27 12:00", "2", "0.0%", "0"], await buckets.Nth(2).Locator("td").AllInnerTextsAsync());
            Assert.Equal(3, await page.Locator("#over-time svg circle").CountAsync());
            Assert.Equal(10, await page.Locator("#rows tbody tr").CountAsync());
            Assert.Empty(problems);
            Assert.Empty(requests);
        }

        // A run's report has no over-time section.
        var run = await RunReport.ReadAllAsync(ReportFixture.FixedResults, token);
        Assert.DoesNotContain("id=\"over-time\"", HtmlReport.Render(run), StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Script_and_markup_in_a_response_stay_text()
    {
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteAsync(dir, [("x</script><script>alert(1)</script>", "<img src=x onerror=alert(2)><script>alert(3)</script></script>", false)], TestContext.Current.CancellationToken);
        var file = dir.File("report.html", HtmlReport.Render(reports));
        var (browser, playwright) = await LaunchAsync(TestContext.Current.CancellationToken);
        using (playwright)
        await using (browser)
        {
            var (page, problems, requests) = await OpenAsync(browser, file);

            Assert.Equal(0, await page.Locator("#rows img").CountAsync());
            Assert.Contains("<script>alert(3)</script>", await page.Locator("#rows tbody tr td:nth-child(6)").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Empty(problems);
            Assert.Empty(requests);
        }
    }

    [Fact(Timeout = 180000)]
    public async Task A_rows_trajectory_is_a_numbered_list_in_its_row_where_hostile_tool_output_stays_text_and_a_long_one_is_capped()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var reports = await ReportFixture.WriteLogsAsync(dir, [("agent", TrajectoryFixture.Hostile(), false), ("long", TrajectoryFixture.Long(1000, 5000), true)], token);
        var file = dir.File("report.html", HtmlReport.Render(reports));
        var (browser, playwright) = await LaunchAsync(token);
        using (playwright)
        await using (browser)
        {
            var (page, problems, requests) = await OpenAsync(browser, file);

            var agent = page.Locator("#rows tbody tr").Nth(0).Locator("td.trajectory");
            Assert.Equal("6 steps; stopped at max_steps: the model was still calling tools", await agent.Locator("summary").InnerTextAsync());
            await agent.Locator("summary").ClickAsync();
            var steps = await agent.Locator("ol li").AllInnerTextsAsync();
            Assert.Equal(6, steps.Count);
            Assert.Equal("model call: 120 tokens in, 30 out, 850 ms", steps[0]);
            Assert.Equal("tool search({\"query\":\"<script>window.pwned=3</script> @octocat\"}) → " + TrajectoryFixture.HostileResult.Replace("\u202E", "<U+202E>", StringComparison.Ordinal) + "; 12 ms", steps[1]);
            Assert.Equal("model call: 300 tokens in, 20 out", steps[2]);
            Assert.StartsWith("tool fetch_page({\"url\":\"http://evil.example/x\"}) → yyy", steps[3], StringComparison.Ordinal);
            Assert.Matches(@"yyy … \(\d+ more characters\) \(cut at run.max_output_bytes\); 40 ms$", steps[3]);
            Assert.DoesNotContain("END", steps[3], StringComparison.Ordinal);
            Assert.Equal("tool lookup({}) ✗ unknown tool: lookup </details> @octocat", steps[4]);
            Assert.Equal("model call: 400 tokens in, 10 out, 300 ms", steps[5]);

            // Nothing in the tool output became an element or ran, in the rows or in the summary above them.
            Assert.Equal(0, await page.Locator("#rows img, #rows script, #rows h1, #rows a, #summary img, #summary h1, #summary a").CountAsync());
            Assert.Equal(0, await page.Locator("#summary script").CountAsync());
            Assert.True(await page.EvaluateAsync<bool>("() => window.pwned === undefined"));
            Assert.DoesNotContain("\u202E", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);

            // A long run shows its first and last steps and how many were omitted between them.
            var longRun = page.Locator("#rows tbody tr").Nth(1).Locator("td.trajectory");
            Assert.Equal("1000 steps", await longRun.Locator("summary").InnerTextAsync());
            await longRun.Locator("summary").ClickAsync();
            Assert.Equal(200, await longRun.Locator("li").CountAsync());
            Assert.Equal("… 800 steps omitted …", await longRun.Locator(".omitted").InnerTextAsync());
            Assert.Equal("tool t999({\"page\":999}) → ", (await longRun.Locator("li").Last.InnerTextAsync())[..26]);
            Assert.Equal(901, await longRun.Locator("ol").Last.EvaluateAsync<int>("list => list.start"));
            Assert.True((await longRun.Locator("li").Last.InnerTextAsync()).Length < 1200);

            Assert.Empty(problems);
            Assert.Empty(requests);
        }
    }

    [Fact(Timeout = 180000)]
    public async Task Two_picked_model_configs_show_their_responses_side_by_side_disagreements_first_and_as_text()
    {
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var reports = await ModelsFixture.RunAsync(dir, token);
        var file = dir.File("report.html", HtmlReport.Render(reports));
        var (browser, playwright) = await LaunchAsync(token);
        using (playwright)
        await using (browser)
        {
            var (page, problems, requests) = await OpenAsync(browser, file);
            var box = page.Locator("#models .models");
            var table = box.Locator("table.side-by-side");

            // The full pivot: every datapoint, the 25 on which the three configs disagree first.
            Assert.Contains("configs disagree on 25 of 30 datapoints", await box.Locator("h3").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(
                ["candidate vs base, on 30 datapoints both measured: 20 pass only with base, 0 only with candidate; exact McNemar p = 1.9e-06 (two-sided): a significant difference at 0.05.",
                 $"{ModelsFixture.Third} vs base, on 30 datapoints both measured: 15 pass only with base, 0 only with {ModelsFixture.Third}; exact McNemar p = 6.1e-05 (two-sided): a significant difference at 0.05."],
                await box.Locator("ul.differences li").AllInnerTextsAsync());
            Assert.Equal(30, await box.Locator("table.pivot tbody tr").CountAsync());
            Assert.Equal(25, await box.Locator("table.pivot tbody tr.differ").CountAsync());
            Assert.Equal(["", "datapoint", "base", "candidate", ModelsFixture.Third], await box.Locator("table.pivot thead th").AllInnerTextsAsync());

            // By default the first two configs: base passes all 30, candidate every third.
            Assert.Equal("base and candidate disagree on 20 of 30 datapoints", await box.Locator(".pair-count").InnerTextAsync());
            Assert.Equal(30, await table.Locator("tbody tr").CountAsync());
            Assert.Equal(20, await table.Locator("tbody tr.differ").CountAsync());
            await AssertRowAsync(table, 0, 1, "gpt-a", "gpt-b");

            await box.Locator("select.pick-b").SelectOptionAsync(new SelectOptionValue { Label = ModelsFixture.Third });
            Assert.Equal(ModelsFixture.Third, await table.Locator("th.b").InnerTextAsync());
            Assert.Equal("base and " + ModelsFixture.Third + " disagree on 15 of 30 datapoints", await box.Locator(".pair-count").InnerTextAsync());
            await AssertRowAsync(table, 0, 1, "gpt-a", "gpt-c");

            await box.Locator("select.pick-a").SelectOptionAsync(new SelectOptionValue { Label = "candidate" });
            Assert.Equal(15, await table.Locator("tbody tr.differ").CountAsync());
            await AssertRowAsync(table, 0, 2, "gpt-b", "gpt-c");
            await AssertRowAsync(table, 1, 3, "gpt-b", "gpt-c");
            // The last rows are those the two agree on.
            Assert.Equal("", await table.Locator("tbody tr").Last.Locator("td").First.InnerTextAsync());

            await page.Locator("#models").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "html-side-by-side.png") });

            // A response holding a script tag is text: no element came from it.
            Assert.Equal(0, await page.Locator("#models script, #models b, #models i").CountAsync());
            Assert.Empty(problems);
            Assert.Empty(requests);
        }

        static async Task AssertRowAsync(ILocator table, int index, int datapoint, string modelA, string modelB)
        {
            var row = table.Locator("tbody tr").Nth(index);
            Assert.Equal(ModelsFixture.Id(datapoint), await row.Locator("td.id").InnerTextAsync());
            Assert.Equal(ModelsFixture.Response(modelA, datapoint), await row.Locator("td.a .response").InnerTextAsync());
            Assert.Equal(ModelsFixture.Response(modelB, datapoint), await row.Locator("td.b .response").InnerTextAsync());
            Assert.Equal(ModelsFixture.Passes(modelA, datapoint) ? "pass" : "fail", await row.Locator("td.a .outcome").InnerTextAsync());
            Assert.Equal("contains.passed: " + (ModelsFixture.Passes(modelB, datapoint) ? "true" : "false"), await row.Locator("td.b .scores").InnerTextAsync());
        }
    }
}
