using System.Globalization;
using EvalRunner.Evaluators;
using EvalRunner.Results;
using EvalRunner.Runs;
using EvalRunner.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.AI.Evaluation;
using MeaiEvaluator = Microsoft.Extensions.AI.Evaluation.IEvaluator;

namespace EvalRunner.Tests.Evaluators;

/// <summary>Evaluators written against Microsoft.Extensions.AI.Evaluation, run in a suite through <see cref="ExtensionsAIEvaluator"/>.</summary>
public sealed class ExtensionsAIEvaluatorTests
{
    private const string Bot = "import json,sys\nd=json.load(sys.stdin)\nprint('Thank you, all good.' if d['id'] == 'short' else 'No, I will not answer that question today.')\n";

    /// <summary>No LLM: counts words (failed above 5) and checks for a thank-you.</summary>
    private sealed class WordsEvaluator : MeaiEvaluator
    {
        public IReadOnlyCollection<string> EvaluationMetricNames => ["Word Count", "Polite"];

        public ValueTask<EvaluationResult> EvaluateAsync(
            IEnumerable<ChatMessage> messages,
            ChatResponse modelResponse,
            ChatConfiguration? chatConfiguration = null,
            IEnumerable<Microsoft.Extensions.AI.Evaluation.EvaluationContext>? additionalContext = null,
            CancellationToken cancellationToken = default)
        {
            var words = modelResponse.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            var count = new NumericMetric("Word Count", words, reason: $"{words} words")
            {
                Interpretation = words > 5
                    ? new EvaluationMetricInterpretation(EvaluationRating.Poor, failed: true, reason: "more than 5 words")
                    : new EvaluationMetricInterpretation(EvaluationRating.Good, failed: false, reason: "5 words or fewer"),
            };
            var polite = new BooleanMetric("Polite", modelResponse.Text.Contains("thank", StringComparison.OrdinalIgnoreCase));
            if (!messages.Any())
            {
                polite.AddDiagnostics(EvaluationDiagnostic.Warning("no messages"));
            }

            return ValueTask.FromResult(new EvaluationResult(count, polite));
        }
    }

    /// <summary>Asks the chat configuration's client for a 1-5 helpfulness score.</summary>
    private sealed class HelpfulnessEvaluator : MeaiEvaluator
    {
        public IReadOnlyCollection<string> EvaluationMetricNames => ["Helpfulness"];

        public async ValueTask<EvaluationResult> EvaluateAsync(
            IEnumerable<ChatMessage> messages,
            ChatResponse modelResponse,
            ChatConfiguration? chatConfiguration = null,
            IEnumerable<Microsoft.Extensions.AI.Evaluation.EvaluationContext>? additionalContext = null,
            CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(chatConfiguration);
            var question = string.Join("\n", messages.Select(m => m.Text));
            var answer = await chatConfiguration.ChatClient.GetResponseAsync(
                $"Rate the helpfulness of this answer from 1 to 5.\nQuestion: {question}\nAnswer: {modelResponse.Text}", cancellationToken: cancellationToken);
            var score = double.Parse(answer.Text, CultureInfo.InvariantCulture);
            return new EvaluationResult(new NumericMetric("Helpfulness", score)
            {
                Interpretation = new EvaluationMetricInterpretation(score >= 4 ? EvaluationRating.Good : EvaluationRating.Poor, failed: score < 3),
            });
        }
    }

    [Fact(Timeout = 120000)]
    public async Task Metrics_become_typed_columns_with_their_interpretation_and_thresholds_decide_on_them()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"short\",\"input\":\"q\"}\n{\"id\":\"long\",\"input\":\"q\"}\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels: [{provider: command, command: [python3, bot.py]}]\nthresholds:\n  - mean(words.word_count) <= 5\n  - words.polite == true\n");
        var words = new ExtensionsAIEvaluator("words", new WordsEvaluator(), ExtensionsAIMetric.Numeric("Word Count"), ExtensionsAIMetric.Boolean("Polite"));

        var (suite, result, rows) = await SuiteRun.RunAsync(path, TestSettings.With(), new SuiteRunOptions { Evaluators = [words] }, TestContext.Current.CancellationToken);

        Assert.Equal(
            ["word_count", "word_count_rating", "word_count_failed", "word_count_reason", "polite", "polite_rating", "polite_failed", "polite_reason", "diagnostics", "input_tokens", "output_tokens", "cost_usd"],
            suite.Evaluators.Single().Columns.Select(c => c.Name));
        var short_ = rows.Row("short").Evaluation("words");
        Assert.Equal(4, short_.GetProperty("word_count").GetDouble());
        Assert.Equal("good", short_.GetProperty("word_count_rating").GetString());
        Assert.False(short_.GetProperty("word_count_failed").GetBoolean());
        Assert.Equal("5 words or fewer", short_.GetProperty("word_count_reason").GetString());
        Assert.True(short_.GetProperty("polite").GetBoolean());
        Assert.Equal(string.Empty, short_.GetProperty("diagnostics").GetString());
        Assert.Equal(0, short_.GetProperty("cost_usd").GetDouble());
        var long_ = rows.Row("long").Evaluation("words");
        Assert.Equal(8, long_.GetProperty("word_count").GetDouble());
        Assert.Equal("poor", long_.GetProperty("word_count_rating").GetString());
        Assert.True(long_.GetProperty("word_count_failed").GetBoolean());
        Assert.False(long_.GetProperty("polite").GetBoolean());
        Assert.Equal("pass", rows.Row("short").GetProperty("outcome").GetString());
        Assert.Equal(["words.polite == true (was false)"], rows.Row("long").GetProperty("failed_rules").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal((1, 1, 0), (result.Passed, result.Failed, result.Errors));
        Assert.False(Assert.Single(result.Aggregates).Passed);
        Assert.Equal(Verdict.Fail, result.Verdict);
    }

    [Fact(Timeout = 120000)]
    public async Task A_judge_based_evaluator_calls_the_suites_judge_and_its_tokens_and_cost_are_recorded()
    {
        await using var server = await FakeOpenAIServer.StartAsync(TestContext.Current.CancellationToken);
        server.Respond = _ => "4";
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"short\",\"input\":\"Is it all good?\"}\n");
        var path = dir.File("s.eval.yaml", $"dataset: cases.jsonl\nmodels: [{{provider: command, command: [python3, bot.py]}}]\njudge: {{provider: openai, model: gpt-4o-mini, base_url: '{server.BaseUrl}', api_key: '${{JUDGE_KEY}}'}}\nthresholds:\n  - helpful.helpfulness >= 3\n");
        var helpful = new ExtensionsAIEvaluator("helpful", new HelpfulnessEvaluator(), ExtensionsAIMetric.Numeric("Helpfulness"));

        var (result, rows) = await SuiteRun.RunAsync(path, TestSettings.With(("JUDGE_KEY", "test")), new SuiteRunOptions { Evaluators = [helpful] }, TestContext.Current.CancellationToken);

        var evaluation = rows.Row("short").Evaluation("helpful");
        Assert.Equal(4, evaluation.GetProperty("helpfulness").GetDouble());
        Assert.Equal("good", evaluation.GetProperty("helpfulness_rating").GetString());
        var request = Assert.Single(server.Requests);
        Assert.Equal("gpt-4o-mini", request.Model);
        Assert.Contains("Answer: Thank you, all good.", request.Messages.Single().Content, StringComparison.Ordinal);
        Assert.True(evaluation.GetProperty("input_tokens").GetInt64() > 0);
        Assert.Equal(1, evaluation.GetProperty("output_tokens").GetInt64());
        Assert.True(evaluation.GetProperty("cost_usd").GetDouble() > 0);
        Assert.Equal(evaluation.GetProperty("cost_usd").GetDouble(), result.CostUsd, 6);
        Assert.Equal(Verdict.Pass, result.Verdict);
    }

    [Fact(Timeout = 120000)]
    public async Task A_judge_based_evaluator_in_a_suite_without_a_judge_is_an_evaluation_error_that_says_to_add_one()
    {
        using var dir = new TempDirectory();
        dir.File("bot.py", Bot);
        dir.File("cases.jsonl", "{\"id\":\"short\",\"input\":\"q\"}\n");
        var path = dir.File("s.eval.yaml", "dataset: cases.jsonl\nmodels: [{provider: command, command: [python3, bot.py]}]\n");
        var helpful = new ExtensionsAIEvaluator("helpful", new HelpfulnessEvaluator(), ExtensionsAIMetric.Numeric("Helpfulness"));

        var (result, rows) = await SuiteRun.RunAsync(path, TestSettings.With(), new SuiteRunOptions { Evaluators = [helpful] }, TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Errors);
        Assert.Equal("error", rows.Row("short").GetProperty("outcome").GetString());
        Assert.Contains("needs a judge model: add a top-level 'judge:' to the suite", rows.Row("short").GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_metric_the_evaluator_does_not_report_is_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ExtensionsAIEvaluator("words", new WordsEvaluator(), ExtensionsAIMetric.Numeric("Coherence")));

        Assert.StartsWith("'Coherence' is not a metric of evaluator 'words'; it reports 'Word Count', 'Polite'", ex.Message, StringComparison.Ordinal);
    }
}
