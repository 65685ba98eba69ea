using EvalRunner.Xunit;
using SupportBot;

// Aggregate cases run after the datapoints they aggregate.
[assembly: TestCaseOrderer(typeof(EvalCaseOrderer))]

namespace SupportBot.Evals;

public sealed class SupportBotEvals
{
    private readonly Bot _bot = new();

    // The application under test is your own C# code: each datapoint's messages go to the bot,
    // and the suite's evaluators and thresholds judge its answer.
    [Theory]
    [EvalSuite("evals/support.eval.yaml", Evaluators = [typeof(PolitenessEvaluator)])]
    public async Task The_support_bot_answers_each_question(EvalCase @case) =>
        await @case.EvaluateAsync(messages => _bot.AnswerAsync(messages, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

    // The suite generates by itself (here through the `command` provider, a program per datapoint),
    // concurrently, and each test case waits for its own datapoint.
    [Theory]
    [EvalSuite("evals/generated.eval.yaml")]
    public async Task The_generated_answers_pass_the_suite(EvalCase @case) => await @case.AssertPassesAsync(TestContext.Current.CancellationToken);

    // An agent of your own (Microsoft Agent Framework): EvaluateAsync runs it on the datapoint's messages and records
    // its tool calls as the row's trajectory, for the tool-calls and trajectory evaluators.
    [Theory]
    [EvalSuite("evals/agent.eval.yaml")]
    public async Task The_order_agent_calls_the_right_tools(EvalCase @case) =>
        await @case.EvaluateAsync(OrderAgent.Create(), TestContext.Current.CancellationToken);
}
