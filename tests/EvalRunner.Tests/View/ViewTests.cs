using System.Globalization;
using System.Net;
using EvalRunner.Results;
using EvalRunner.Tests.Cli;
using EvalRunner.Tests.Reports;
using Microsoft.Playwright;

namespace EvalRunner.Tests.View;

/// <summary><c>evalrunner view</c> in headless Chromium, over runs made by real runs of a suite.</summary>
public sealed class ViewTests
{
    private static readonly string[] Wrong = ["d02", "d05", "d09"];

    private static readonly string[] Reviewers = ["ann", "bob"];

    [Fact(Timeout = 300000)]
    public async Task The_runs_of_two_CI_like_folders_are_listed_by_suite_and_time_with_commit_branch_verdict_pass_rate_and_charts()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        var runFolder = Path.Combine(fixture.Second, "evalrunner-results", "support");
        var runFiles = Directory.GetFiles(runFolder).Select(f => (f, File.GetLastWriteTimeUtc(f))).Order().ToList();
        await using var server = await fixture.ServeAsync(review: false, token);
        var (browser, playwright) = await HtmlReportTests.LaunchAsync(token);
        using (playwright)
        await using (browser)
        {
            var (page, problems, elsewhere) = await ViewFixture.OpenAsync(browser, server);
            await page.GotoAsync(server.Url.ToString());

            var runs = page.Locator("section[data-suite='support'] tr.run");
            Assert.Equal(2, await runs.CountAsync());
            // Newest first: the second CI run, then the first.
            Assert.Equal(["222222222222", "111111111111"], await runs.Locator("td.commit").AllTextContentsAsync());
            Assert.Equal(["feature/tone", "main"], await runs.Locator("td.branch").AllTextContentsAsync());
            Assert.Equal(["fail", "pass"], await runs.Locator("td.verdict").AllTextContentsAsync());
            var rates = await runs.Locator("td.pass-rate").AllTextContentsAsync();
            Assert.StartsWith("70.0% (", rates[0], StringComparison.Ordinal);
            Assert.StartsWith("100.0% (", rates[1], StringComparison.Ordinal);
            Assert.Contains("2 runs of 1 suite under ", await page.Locator("#summary").TextContentAsync(), StringComparison.Ordinal);
            // The pass rate over time: a dot per run, oldest first, each with its value.
            var dots = page.Locator("section[data-suite='support'] .chart").First.Locator("circle title");
            Assert.Equal(2, await dots.CountAsync());
            Assert.EndsWith("100.0%", await dots.Nth(0).TextContentAsync(), StringComparison.Ordinal);
            Assert.EndsWith("70.0%", await dots.Nth(1).TextContentAsync(), StringComparison.Ordinal);

            // A run's rows, filtered by outcome as the HTML report filters them, paged from results.jsonl.
            await runs.First.Locator("a", new() { HasText = "rows" }).ClickAsync();
            Assert.Equal("10 of 10 rows, 1–10 shown", await page.Locator("#count").TextContentAsync());
            await page.Locator("select[name=outcome]").SelectOptionAsync("fail");
            await page.Locator("#filters button").ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("outcome=fail", StringComparison.Ordinal));
            Assert.Equal("3 of 10 rows, 1–3 shown", await page.Locator("#count").TextContentAsync());
            Assert.Equal(Wrong, (await page.Locator("#rows td.id").AllTextContentsAsync()).Order(StringComparer.Ordinal));
            await page.Locator("input[name=q]").FillAsync("QUESTION 5");
            await page.Locator("#filters button").ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("q=QUESTION", StringComparison.Ordinal));
            Assert.Equal(["d05"], await page.Locator("#rows td.id").AllTextContentsAsync());

            // The index lives in the cache folder, never beside the results.
            Assert.NotEmpty(Directory.GetFiles(fixture.Cache));
            Assert.Equal(runFiles, Directory.GetFiles(runFolder).Select(f => (f, File.GetLastWriteTimeUtc(f))).Order());
            Assert.Empty(problems);
            Assert.Empty(elsewhere);
        }
    }

    [Fact(Timeout = 300000)]
    public async Task Two_runs_compared_on_the_page_say_what_evalrunner_compare_says()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        var cli = await EvalRunnerCli.RunAsync(fixture.Root, ["compare", Path.Combine(fixture.First, "evalrunner-results"), Path.Combine(fixture.Second, "evalrunner-results")], token);
        var headline = cli.StandardOutput.Split('\n').Single(l => l.StartsWith("compared with baseline:", StringComparison.Ordinal))["compared with baseline:".Length..].Trim();

        await using var server = await fixture.ServeAsync(review: false, token);
        var (browser, playwright) = await HtmlReportTests.LaunchAsync(token);
        using (playwright)
        await using (browser)
        {
            var (page, problems, elsewhere) = await ViewFixture.OpenAsync(browser, server);
            await page.GotoAsync(server.Url.ToString());
            var runs = page.Locator("tr.run");
            await runs.Nth(1).Locator("input[name=base]").CheckAsync();
            await runs.Nth(0).Locator("input[name=head]").CheckAsync();
            await page.Locator("#compare").ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("/compare", StringComparison.Ordinal));

            var verdict = await page.Locator("#verdict").TextContentAsync();
            Assert.Equal(cli.ExitCode == 1 ? "regressed: " + headline : "no regression: " + headline, verdict);
            Assert.Equal("3", await page.Locator("[data-count=regressions]").TextContentAsync());
            Assert.Equal("10", await page.Locator("[data-count=shared]").TextContentAsync());
            Assert.Contains("3 regressions", headline, StringComparison.Ordinal);
            // Regressions first, each with both responses.
            var comparison = await page.Locator("#comparison").TextContentAsync();
            Assert.Contains("Regressions (3)", comparison, StringComparison.Ordinal);
            Assert.Contains("no question 2", comparison, StringComparison.Ordinal);
            Assert.Contains("yes question 2", comparison, StringComparison.Ordinal);
            Assert.Empty(problems);
            Assert.Empty(elsewhere);
        }
    }

    [Fact(Timeout = 300000)]
    public async Task Ten_rows_reviewed_with_the_keyboard_are_written_to_the_scores_file_and_joined_by_the_next_run()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        await using var server = await fixture.ServeAsync(review: true, token);
        var (browser, playwright) = await HtmlReportTests.LaunchAsync(token);
        var given = new Dictionary<string, (string Correct, int Rating, string Tone, string Note)>(StringComparer.Ordinal);
        using (playwright)
        await using (browser)
        {
            var (page, problems, elsewhere) = await ViewFixture.OpenAsync(browser, server);
            await page.GotoAsync(server.Url.ToString());
            await page.Locator("nav a", new() { HasText = "Review" }).ClickAsync();
            await page.Locator("#reviewer-name").FillAsync("ann");
            await page.Locator("#start button").ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("reviewer=ann", StringComparison.Ordinal));

            for (var i = 0; i < 10; i++)
            {
                Assert.Equal((10 - i).ToString(CultureInfo.InvariantCulture), await page.Locator("#left").GetAttributeAsync("data-left"));
                var datapoint = (await page.Locator("#row").GetAttributeAsync("data-datapoint"))!;
                var wrong = Wrong.Contains(datapoint);
                // Failing rows come first.
                Assert.Equal(i < 3, wrong);
                var score = (Correct: wrong ? "false" : "true", Rating: wrong ? 2 : 4 + (i % 2), Tone: i % 3 == 0 ? "rude" : "calm", Note: $"note {datapoint}, \"quoted\"");
                given[datapoint] = score;
                await page.Keyboard.PressAsync(wrong ? "n" : "y");
                await page.Keyboard.PressAsync(score.Rating.ToString(CultureInfo.InvariantCulture));
                await page.Keyboard.PressAsync(score.Tone == "calm" ? "1" : "2");
                await page.Keyboard.TypeAsync(score.Note);
                await page.Keyboard.PressAsync("Control+Enter");
                await page.WaitForURLAsync(url => url.Contains("saved=" + datapoint, StringComparison.Ordinal));
            }

            Assert.Equal("Nothing left to review in this queue.", await page.Locator("#done").TextContentAsync());
            Assert.Empty(problems);
            Assert.Empty(elsewhere);
        }

        // One sorted line per datapoint × model config × reviewer, as typed.
        var expected = ViewFixture.Header + string.Concat(given.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            $"{g.Key},bot,ann,{g.Value.Correct},{g.Value.Rating},{g.Value.Tone},\"{g.Value.Note.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n"));
        Assert.Equal(expected, File.ReadAllText(fixture.ScoresPath));

        // The next run joins them into its rows.
        var next = await fixture.RunAsync(Path.Combine(fixture.Root, "ci-3"), Wrong, "3333333333333333333333333333333333333333", "main", token);
        foreach (var row in next.Rows)
        {
            var id = row.GetProperty("datapoint_id").GetString()!;
            var review = row.Evaluation("review");
            // One reviewer: the values as given, the note under the reviewer's name (docs/review.md, several reviewers).
            Assert.Equal((given[id].Correct == "true", given[id].Rating, given[id].Tone, "ann: " + given[id].Note, 1),
                (review.GetProperty("correct").GetBoolean(), review.GetProperty("rating").GetInt32(), review.GetProperty("tone").GetString(), review.GetProperty("note").GetString(), review.GetProperty("reviewers").GetInt32()));
        }
    }

    [Fact(Timeout = 300000)]
    public async Task Two_reviewers_kappa_on_the_page_is_the_hand_computed_one_and_their_disagreements_are_marked()
    {
        // ann (typed on the page): T T T T T T F F F F; bob (already in the file): T T T T F F F F F T.
        // Agree on d01-d04 and d07-d09: po = 0.7; ann says T 6/10, bob 5/10: pe = 0.6·0.5 + 0.4·0.5 = 0.5; kappa = 0.2 / 0.5 = 0.4.
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        string[] ann = ["true", "true", "true", "true", "true", "true", "false", "false", "false", "false"];
        string[] bob = ["true", "true", "true", "true", "false", "false", "false", "false", "false", "true"];
        File.WriteAllText(fixture.ScoresPath, ViewFixture.Header + string.Concat(bob.Select((b, i) => $"d{i + 1:D2},bot,bob,{b},,,\n")));
        await using var server = await fixture.ServeAsync(review: true, token);
        var (browser, playwright) = await HtmlReportTests.LaunchAsync(token);
        using (playwright)
        await using (browser)
        {
            var (page, problems, elsewhere) = await ViewFixture.OpenAsync(browser, server);
            await page.GotoAsync(new Uri(server.Address, EvalRunner.Cli.View.ViewHtml.Url(server.Token, "/review", ("reviewer", "ann"), ("order", "sample"), ("seed", "7"))).ToString());
            for (var i = 0; i < 10; i++)
            {
                var datapoint = (await page.Locator("#row").GetAttributeAsync("data-datapoint"))!;
                var index = int.Parse(datapoint[1..], CultureInfo.InvariantCulture) - 1;
                // bob's score of the row is shown.
                Assert.Equal(bob[index], await page.Locator("#reviewers tr", new() { HasText = "bob" }).Locator("td").Nth(1).TextContentAsync());
                if (i == 6 && Settings.FromEnvironment().Get("EVALRUNNER_SCREENSHOT") is { Length: > 0 })
                {
                    // The README's picture, made only when asked so that a test run leaves the work tree as it was.
                    await page.SetViewportSizeAsync(1280, 1350);
                    await page.ScreenshotAsync(new() { Path = Path.Combine(Repository.Root, "docs", "images", "view.png"), FullPage = false });
                }

                await page.Keyboard.PressAsync(ann[index] == "true" ? "y" : "n");
                await page.Keyboard.PressAsync("Enter");
                await page.WaitForURLAsync(url => url.Contains("saved=" + datapoint, StringComparison.Ordinal));
            }

            var pair = page.Locator("#agreement tr[data-column=correct][data-a=ann][data-b=bob]");
            Assert.Equal("0.400", await pair.Locator("td.kappa").TextContentAsync());
            Assert.Equal("10", await pair.Locator("td").Nth(3).TextContentAsync());

            // A third reviewer sees both scores of each row, marked where ann and bob disagree (d05, d06, d10); s skips.
            await page.GotoAsync(new Uri(server.Address, EvalRunner.Cli.View.ViewHtml.Url(server.Token, "/review", ("reviewer", "carol"))).ToString());
            var marked = new List<string>();
            for (var i = 0; i < 10; i++)
            {
                var datapoint = (await page.Locator("#row").GetAttributeAsync("data-datapoint"))!;
                Assert.Equal(2, await page.Locator("#reviewers tr").CountAsync() - 1);
                if (await page.Locator("#disagreement").CountAsync() == 1)
                {
                    Assert.Equal("raters disagree on correct", await page.Locator("#disagreement").TextContentAsync());
                    marked.Add(datapoint);
                }

                await page.Keyboard.PressAsync("s");
                await page.WaitForURLAsync(url => url.Contains($"skip={i + 1}", StringComparison.Ordinal));
            }

            Assert.Equal(["d05", "d06", "d10"], marked.Order(StringComparer.Ordinal));
            Assert.Empty(problems);
            Assert.Empty(elsewhere);
        }
    }

    [Fact(Timeout = 300000)]
    public async Task Hostile_model_and_dataset_text_stays_text_on_every_page()
    {
        var token = TestContext.Current.CancellationToken;
        var hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>[link](http://example.invalid/x) ![i](http://example.invalid/i.png) \u202Eevil";
        using var fixture = await ViewFixture.CreateAsync(["d01"], token, new Dictionary<string, string> { ["d01"] = hostile });
        File.WriteAllText(fixture.ScoresPath, ViewFixture.Header + "d01,bot,<b>mallory</b>,true,,,\"<script>alert(3)</script>\"\n");
        await using var server = await fixture.ServeAsync(review: true, token);
        var (browser, playwright) = await HtmlReportTests.LaunchAsync(token);
        using (playwright)
        await using (browser)
        {
            var (page, problems, elsewhere) = await ViewFixture.OpenAsync(browser, server);
            var shown = hostile.Replace("\u202E", "<U+202E>", StringComparison.Ordinal);
            await page.GotoAsync(server.Url.ToString());
            await page.Locator("tr.run").First.Locator("a", new() { HasText = "rows" }).ClickAsync();
            await page.WaitForURLAsync(url => url.Contains("/runs/", StringComparison.Ordinal));
            Assert.Equal("no " + shown, await page.Locator("#rows tr:has(td.id:text-is('d01')) td.response").TextContentAsync());
            await AssertInertAsync(page);

            await page.GotoAsync(new Uri(server.Address, EvalRunner.Cli.View.ViewHtml.Url(server.Token, "/compare", ("base", "1"), ("head", "2"))).ToString());
            // As in the Markdown summary, "://" carries a zero-width space so that nothing becomes a link.
            Assert.Contains("no " + shown, (await page.Locator("#comparison").TextContentAsync())!.Replace("\u200B", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
            await AssertInertAsync(page);

            await page.GotoAsync(new Uri(server.Address, EvalRunner.Cli.View.ViewHtml.Url(server.Token, "/review", ("reviewer", "<i>eve</i>"))).ToString());
            Assert.Equal("d01", await page.Locator("#row").GetAttributeAsync("data-datapoint"));
            Assert.Equal(shown, await page.Locator("#input").TextContentAsync());
            Assert.Equal("<i>eve</i>", await page.Locator("#reviewer").TextContentAsync());
            Assert.Equal("<b>mallory</b>", await page.Locator("#reviewers td").First.TextContentAsync());
            await AssertInertAsync(page);

            Assert.Empty(problems);
            Assert.Empty(elsewhere);
        }

        static async Task AssertInertAsync(IPage page)
        {
            // Nothing of the text became markup: no image, no script but the page's own, no link out of the server.
            Assert.Equal(0, await page.Locator("img").CountAsync());
            Assert.Equal(0, await page.Locator("b:has-text('mallory'), i:has-text('eve')").CountAsync());
            Assert.All(await page.Locator("a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))"), href => Assert.StartsWith("/", href, StringComparison.Ordinal));
            Assert.True(await page.Locator("script").CountAsync() <= 1);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task A_request_without_the_token_or_with_another_is_refused()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        await using var server = await fixture.ServeAsync(review: true, token);
        using var http = new HttpClient { BaseAddress = server.Address };
        foreach (var path in new[] { "/", "/runs/1", "/compare?base=1&head=2", "/review?reviewer=ann", "/nothing" })
        {
            using var none = await http.GetAsync(path, token);
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            using var other = await http.GetAsync(path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "token=" + server.Token[..^1] + "x", token);
            Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        }

        using var post = await http.PostAsync("/review", new FormUrlEncodedContent(new Dictionary<string, string> { ["run"] = "1", ["reviewer"] = "ann", ["datapoint"] = "d01", ["model"] = "bot", ["v.correct"] = "true" }), token);
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        Assert.Equal(ViewFixture.Header, File.ReadAllText(fixture.ScoresPath));

        using var page = await http.GetAsync(server.Url, token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact(Timeout = 120000)]
    public async Task Scores_posted_from_two_tabs_at_once_are_all_kept_and_a_bad_value_is_refused_by_column()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        await using var server = await fixture.ServeAsync(review: true, token);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.Address };
        var posts = Enumerable.Range(1, 10).SelectMany(i => Reviewers.Select(reviewer => Post($"d{i:D2}", reviewer, i % 2 == 0 ? "true" : "false"))).ToList();
        foreach (var response in await Task.WhenAll(posts))
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            }
        }

        var lines = File.ReadAllLines(fixture.ScoresPath);
        Assert.Equal(21, lines.Length);
        Assert.Equal(lines.Skip(1).Order(StringComparer.Ordinal), lines.Skip(1));

        using var bad = await Post("d01", "ann", "maybe");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("review.correct: &#39;maybe&#39; is not a valid bool", await bad.Content.ReadAsStringAsync(token), StringComparison.Ordinal);
        Assert.Equal(lines, File.ReadAllLines(fixture.ScoresPath));

        Task<HttpResponseMessage> Post(string datapoint, string reviewer, string correct) =>
            http.PostAsync("/review", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = server.Token, ["run"] = "1", ["reviewer"] = reviewer, ["datapoint"] = datapoint, ["model"] = "bot", ["v.correct"] = correct,
            }), token);
    }

    [Fact(Timeout = 120000)]
    public async Task A_scores_file_that_cannot_be_written_is_named_on_the_page_and_the_server_goes_on()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        await using var server = await fixture.ServeAsync(review: true, token);
        // The scores file became a folder after the suite loaded: nothing can be read or written there.
        File.Delete(fixture.ScoresPath);
        Directory.CreateDirectory(fixture.ScoresPath);
        using var http = new HttpClient { BaseAddress = server.Address };

        using var post = await http.PostAsync("/review", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = server.Token, ["run"] = "1", ["reviewer"] = "ann", ["datapoint"] = "d01", ["model"] = "bot", ["v.correct"] = "true",
        }), token);
        var page = await post.Content.ReadAsStringAsync(token);

        Assert.Equal(HttpStatusCode.InternalServerError, post.StatusCode);
        Assert.Contains("id=\"problem\"", page, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(fixture.ScoresPath), page, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", page, StringComparison.Ordinal);
        Assert.Contains("2 runs of 1 suite under ", await http.GetStringAsync(server.Url, token), StringComparison.Ordinal);
    }

    [Fact(Timeout = 300000)]
    public async Task A_damaged_line_of_results_is_named_and_the_other_rows_are_served()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        var results = Path.Combine(fixture.Second, "evalrunner-results", "support", ResultsStore.RowsFile);
        var lines = File.ReadAllLines(results);
        lines[3] = "{\"datapoint_id\": \"d04\", \"cut off";
        File.WriteAllLines(results, lines);
        var broken = Path.Combine(fixture.Root, "ci-broken", "evalrunner-results", "support");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "run.json"), "{\"suite\": \"support\",\n  \"verdict\": ");
        await using var server = await fixture.ServeAsync(review: false, token, Path.Combine(fixture.Root, "ci-broken"));
        using var http = new HttpClient { BaseAddress = server.Address };
        var home = await http.GetStringAsync(server.Url, token);

        // A run.json that is not a run is named with its line; the other runs are listed.
        Assert.Contains(WebUtility.HtmlEncode(Path.Combine(broken, "run.json")) + ":2: not a run", home, StringComparison.Ordinal);
        Assert.Contains("2 runs of 1 suite under ", home, StringComparison.Ordinal);
        var page = await http.GetStringAsync(EvalRunner.Cli.View.ViewHtml.Url(server.Token, "/runs/2"), token);

        Assert.Contains($"{WebUtility.HtmlEncode(results)}:4: not a whole row (damaged or cut off); the other rows are shown", page, StringComparison.Ordinal);
        Assert.Contains("9 of 9 rows, 1–9 shown", page, StringComparison.Ordinal);
    }

    [Fact(Timeout = 180000)]
    public async Task Bad_arguments_are_named_and_nothing_listens()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        File.WriteAllText(Path.Combine(fixture.Root, "suite", "plain.eval.yaml"), "name: plain\ndataset: cases.jsonl\nmodels: [{name: bot, provider: command, command: [python3, bot.py]}]\nevaluators:\n  - {name: check, type: equals}\n");

        var missing = await EvalRunnerCli.RunAsync(fixture.Root, ["view", "nowhere"], token);
        var listen = await EvalRunnerCli.RunAsync(fixture.Root, ["view", fixture.First, "--listen", "everywhere"], token);
        var noExternal = await EvalRunnerCli.RunAsync(fixture.Root, ["view", fixture.First, "--suite", Path.Combine(fixture.Root, "suite", "plain.eval.yaml")], token);
        var unknown = await EvalRunnerCli.RunAsync(fixture.Root, ["view", fixture.First, "--suite", fixture.SuitePath, "--evaluator", "reviw"], token);

        Assert.Equal((2, "error: nowhere: no such directory; give folders that hold runs (the --out of `evalrunner run`, CI artifacts, a watch store)"), (missing.ExitCode, missing.StandardError.Trim()));
        Assert.Equal((2, "error: --listen everywhere: give an address and port, such as 127.0.0.1:8080 (or localhost:8080; port 0 picks a free one)"), (listen.ExitCode, listen.StandardError.Trim()));
        Assert.Equal(2, noExternal.ExitCode);
        Assert.Contains("plain.eval.yaml: the suite has no external evaluator to hold reviews", noExternal.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("the suite has no external evaluator 'reviw' (external evaluators: review)", unknown.StandardError, StringComparison.Ordinal);
        Assert.All(new[] { missing, listen, noExternal, unknown }, r => Assert.DoesNotContain("open http", r.StandardOutput, StringComparison.Ordinal));
    }

    [Fact(Timeout = 180000)]
    public async Task The_command_prints_a_loopback_address_with_a_token_and_serves_it_until_stopped()
    {
        var token = TestContext.Current.CancellationToken;
        using var fixture = await ViewFixture.CreateAsync(Wrong, token);
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var command = CliWrap.Cli.Wrap("dotnet")
            .WithArguments([EvalRunnerCli.Path, "view", fixture.First, fixture.Second, "--cache-dir", fixture.Cache])
            .WithWorkingDirectory(fixture.Root)
            .WithValidation(CliWrap.CommandResultValidation.None)
            .WithStandardOutputPipe(CliWrap.PipeTarget.ToDelegate(line =>
            {
                if (line.StartsWith("open ", StringComparison.Ordinal))
                {
                    address.TrySetResult(line.Split(' ')[1]);
                }
            }))
            .ExecuteAsync(token);
        try
        {
            var url = new Uri(await address.Task.WaitAsync(token));
            Assert.Equal("127.0.0.1", url.Host);
            Assert.Matches("^\\?token=[A-Za-z0-9_-]{32}$", url.Query);
            using var http = new HttpClient();
            Assert.Contains("2 runs of 1 suite under ", await http.GetStringAsync(url, token), StringComparison.Ordinal);
            using var refused = await http.GetAsync(new Uri(url, "/"), token);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        finally
        {
            // Ctrl-C.
            await CliWrap.Cli.Wrap("kill").WithArguments(["-INT", command.ProcessId.ToString(CultureInfo.InvariantCulture)]).ExecuteAsync(token);
        }

        var result = await command;
        Assert.Equal(0, result.ExitCode);
    }
}
