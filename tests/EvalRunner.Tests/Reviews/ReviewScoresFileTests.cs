using EvalRunner.Reviews;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Reviews;

public sealed class ReviewScoresFileTests
{
    private static (TempDirectory Dir, Suite Suite) Setup(string scoresFile, string scores)
    {
        var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\": \"a\", \"input\": \"q1\"}\n{\"id\": \"b\", \"input\": \"q2\"}\n");
        dir.File(scoresFile, scores);
        var path = dir.File("s.eval.yaml",
            "dataset: cases.jsonl\nmodels: [{name: bot, provider: command, command: [python3, bot.py]}]\nevaluators:\n"
            + $"  - {{name: review, type: external, file: {scoresFile}, missing: skip, columns: [{{name: correct, type: bool}}, {{name: rating, type: integer}}, {{name: tone, type: choices, options: [calm, rude]}}, {{name: reviewer, type: string}}, {{name: note, type: string}}]}}\n");
        return (dir, SuiteLoader.Load(path, TestSettings.With()));
    }

    private static ReviewScore Score(string id, string reviewer, string? correct = "true", string? rating = "3", string? note = null) => new()
    {
        DatapointId = id,
        ModelConfig = "bot",
        Reviewer = reviewer,
        Values = new Dictionary<string, string?> { ["correct"] = correct, ["rating"] = rating, ["tone"] = "calm", ["note"] = note },
    };

    [Fact]
    public async Task A_score_is_written_to_the_declared_CSV_one_line_per_datapoint_config_and_reviewer_kept_sorted()
    {
        var (dir, suite) = Setup("reviews.csv", "id,model_config,reviewer,correct,rating,tone,note\n");
        using var _ = dir;
        var file = ReviewScoresFile.For(suite, "review");
        var token = TestContext.Current.CancellationToken;

        await file.WriteAsync(Score("b", "zoe"), token);
        await file.WriteAsync(Score("a", "zoe", note: "says \"hi\", then\nleaves"), token);
        await file.WriteAsync(Score("a", "ann", correct: "false", rating: "1"), token);
        await file.WriteAsync(Score("a", "zoe", correct: "false", note: null), token);

        Assert.Equal(
            "id,model_config,reviewer,correct,rating,tone,note\na,bot,ann,false,1,calm,\na,bot,zoe,false,3,calm,\nb,bot,zoe,true,3,calm,\n",
            File.ReadAllText(Path.Combine(dir.Path, "reviews.csv")).ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Text_with_commas_quotes_and_newlines_is_escaped_in_CSV_and_reads_back()
    {
        var (dir, suite) = Setup("reviews.csv", "id,model_config,reviewer,correct,rating,tone,note\n");
        using var _ = dir;
        var file = ReviewScoresFile.For(suite, "review");

        await file.WriteAsync(Score("a", "ann", note: "says \"hi\", then\nleaves"), TestContext.Current.CancellationToken);

        var score = Assert.Single(await file.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal("says \"hi\", then\nleaves", score.Values["note"]);
    }

    [Fact]
    public async Task A_score_is_written_to_a_JSONL_file_with_typed_values()
    {
        var (dir, suite) = Setup("reviews.jsonl", string.Empty);
        using var _ = dir;
        var file = ReviewScoresFile.For(suite, "review");

        await file.WriteAsync(Score("b", "ann"), TestContext.Current.CancellationToken);
        await file.WriteAsync(Score("a", "ann", note: "ok"), TestContext.Current.CancellationToken);

        Assert.Equal(
            "{\"id\":\"a\",\"model_config\":\"bot\",\"reviewer\":\"ann\",\"correct\":true,\"rating\":3,\"tone\":\"calm\",\"note\":\"ok\"}\n"
            + "{\"id\":\"b\",\"model_config\":\"bot\",\"reviewer\":\"ann\",\"correct\":true,\"rating\":3,\"tone\":\"calm\"}\n",
            File.ReadAllText(Path.Combine(dir.Path, "reviews.jsonl")));
    }

    [Theory]
    [InlineData("correct", "maybe", "review.correct: 'maybe' is not a valid bool (true or false)")]
    [InlineData("rating", "2.5", "review.rating: '2.5' is not a valid integer")]
    [InlineData("tone", "angry", "review.tone: 'angry' is not one of calm, rude")]
    [InlineData("length", "3", "review.length: the evaluator has no column 'length' (columns: correct, rating, tone, note)")]
    public async Task A_bad_value_is_refused_with_a_message_naming_the_column(string column, string value, string message)
    {
        var (dir, suite) = Setup("reviews.csv", "id,model_config,reviewer,correct,rating,tone,note\n");
        using var _ = dir;
        var score = Score("a", "ann") with { Values = new Dictionary<string, string?> { [column] = value } };

        var ex = await Assert.ThrowsAsync<ReviewException>(() => ReviewScoresFile.For(suite, "review").WriteAsync(score, TestContext.Current.CancellationToken));

        Assert.Equal(message, ex.Message);
        Assert.Equal("id,model_config,reviewer,correct,rating,tone,note\n", File.ReadAllText(Path.Combine(dir.Path, "reviews.csv")));
    }

    [Fact]
    public void Only_an_external_evaluator_of_the_suite_has_a_scores_file()
    {
        var (dir, suite) = Setup("reviews.csv", "id,model_config,reviewer,correct,rating,tone,note\n");
        using var _ = dir;

        var ex = Assert.Throws<ReviewException>(() => ReviewScoresFile.For(suite, "../reviews.csv"));

        Assert.Equal("the suite has no external evaluator '../reviews.csv' (external evaluators: review)", ex.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Concurrent_writes_from_many_tasks_lose_nothing()
    {
        var (dir, suite) = Setup("reviews.csv", "id,model_config,reviewer,correct,rating,tone,note\n");
        using var _ = dir;
        var token = TestContext.Current.CancellationToken;

        // Each task has its own writer, as two browser tabs' requests would.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => ReviewScoresFile.For(suite, "review").WriteAsync(Score($"d{i:D2}", $"r{i % 3}"), token), token)));

        var scores = await ReviewScoresFile.For(suite, "review").ReadAsync(token);
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"d{i:D2}"), scores.Select(s => s.DatapointId));
    }

    [Fact(Timeout = 60000)]
    public async Task A_writer_waits_for_another_holder_of_the_lock_file_and_keeps_the_line_it_added_by_hand()
    {
        var (dir, suite) = Setup("reviews.csv", "id,model_config,reviewer,correct,rating,tone,note\n");
        using var _ = dir;
        var csv = Path.Combine(dir.Path, "reviews.csv");
        var token = TestContext.Current.CancellationToken;

        Task write;
        // Another process holds the OS lock while it edits the file by hand.
        using (var other = new FileStream(csv + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            write = ReviewScoresFile.For(suite, "review").WriteAsync(Score("b", "zoe"), token);
            Assert.False(write.IsCompleted);
            File.AppendAllText(csv, "a,bot,ann,false,1,rude,by hand\n");
        }

        await write;

        Assert.Equal(
            "id,model_config,reviewer,correct,rating,tone,note\na,bot,ann,false,1,rude,by hand\nb,bot,zoe,true,3,calm,\n",
            File.ReadAllText(csv).ReplaceLineEndings("\n"));
    }

    [Fact(Timeout = 60000)]
    public async Task A_writer_waits_while_another_process_holds_the_lock_and_keeps_the_line_that_process_added()
    {
        var (dir, suite) = Setup("reviews.csv", "id,model_config,reviewer,correct,rating,tone,note\n");
        using var _ = dir;
        var csv = Path.Combine(dir.Path, "reviews.csv");
        var token = TestContext.Current.CancellationToken;
        var script = "import fcntl,sys\nf=open(sys.argv[1]+'.lock','a')\nfcntl.flock(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\nsys.stdin.readline()\n"
            + "open(sys.argv[1],'a').write('a,bot,ann,false,1,rude,other process\\n')\nprint('written',flush=True)\n";
        using var other = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("python3", ["-c", script, csv])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        Assert.Equal("locked", await other.StandardOutput.ReadLineAsync(token));

        var write = ReviewScoresFile.For(suite, "review").WriteAsync(Score("b", "zoe"), token);
        Assert.False(write.IsCompleted);
        await other.StandardInput.WriteLineAsync("go");
        await other.StandardInput.FlushAsync(token);
        Assert.Equal("written", await other.StandardOutput.ReadLineAsync(token));
        await other.WaitForExitAsync(token);
        await write;

        Assert.Equal(
            "id,model_config,reviewer,correct,rating,tone,note\na,bot,ann,false,1,rude,other process\nb,bot,zoe,true,3,calm,\n",
            File.ReadAllText(csv).ReplaceLineEndings("\n"));
    }
}
