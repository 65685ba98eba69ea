using System.Text;
using EvalRunner.Cli.Telemetry;
using EvalRunner.Evaluators;
using EvalRunner.Logs;

namespace EvalRunner.Tests.Online;

/// <summary>Which column of an evaluation is the event's score, label and explanation.</summary>
public sealed class EvaluationScoreTests
{
    [Fact]
    public void A_judge_s_integer_score_choice_and_reason_are_the_score_label_and_explanation()
    {
        Column[] columns = [Column.Choice("verdict", "", "good", "bad"), Column.Integer("score", ""), Column.String("notes", ""), Column.String("reason", "")];
        var evaluation = new Evaluation { Evaluator = "judge", Values = new Dictionary<string, object?> { ["verdict"] = "bad", ["score"] = 2L, ["notes"] = "n", ["reason"] = "too short" } };

        Assert.Equal(new EvaluationScore(2, "bad", "too short"), EvaluationScore.Of(evaluation, columns));
    }

    [Fact]
    public void Without_a_number_the_passed_column_is_the_score_and_the_label()
    {
        Column[] columns = [Column.Bool("matched", ""), Column.Bool("passed", "")];
        var evaluation = new Evaluation { Evaluator = "contains", Values = new Dictionary<string, object?> { ["matched"] = true, ["passed"] = false } };

        Assert.Equal(new EvaluationScore(0, "fail", null), EvaluationScore.Of(evaluation, columns));
    }

    [Fact]
    public void Undeclared_values_of_a_python_evaluator_are_read_by_their_types_and_a_failed_evaluation_explains_its_error()
    {
        var python = new Evaluation { Evaluator = "py", Values = new Dictionary<string, object?> { ["why"] = "ok", ["ratio"] = 0.25, ["ok"] = true } };
        var failed = new Evaluation { Evaluator = "py", Error = new RunError { Kind = ErrorKind.Timeout, Message = "timed out after 30 s" } };

        Assert.Equal(new EvaluationScore(0.25, "pass", "ok"), EvaluationScore.Of(python, []));
        Assert.Equal(new EvaluationScore(null, null, "timed out after 30 s"), EvaluationScore.Of(failed, []));
    }

    [Fact]
    public void A_long_explanation_is_cut_at_4_KB_on_a_character_boundary()
    {
        var cut = EvaluationScore.Cap(string.Concat(Enumerable.Repeat("é😀", 5000)));

        Assert.InRange(Encoding.UTF8.GetByteCount(cut), EvaluationScore.MaxExplanationBytes - 6, EvaluationScore.MaxExplanationBytes);
        Assert.EndsWith("…", cut, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(cut)));
        Assert.Equal("short", EvaluationScore.Cap("short"));
    }
}
