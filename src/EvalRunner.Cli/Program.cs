using System.CommandLine;
using EvalRunner.Cli;
using EvalRunner.Runs;

if (Console.IsOutputRedirected)
{
    // CI logs have no width: keep tables and messages unwrapped.
    Spectre.Console.AnsiConsole.Profile.Width = 200;
}

var suitesArgument = new Argument<string[]>("suite") { Description = "Suite files (*.eval.yaml)", Arity = ArgumentArity.OneOrMore };
var outOption = new Option<string>("--out", "-o") { Description = "Results directory; each suite writes DIR/<suite name>/", DefaultValueFactory = _ => "evalrunner-results" };
var concurrencyOption = new Option<int?>("--concurrency", "-c") { Description = "Generations at once (overrides run.concurrency)" };
var filterOption = new Option<string[]>("--filter", "-f") { Description = "Only datapoints with this id, or tag:NAME (repeatable)", AllowMultipleArgumentsPerToken = false };

var run = new Command("run", "Run suites: generate, evaluate, decide; write results.jsonl and run.json") { suitesArgument, outOption, concurrencyOption, filterOption };
run.SetAction(async (parse, cancellationToken) =>
{
    var concurrency = parse.GetValue(concurrencyOption);
    if (concurrency is < 1)
    {
        return Fail("--concurrency must be at least 1");
    }

    var filter = parse.GetValue(filterOption) is { Length: > 0 } terms ? new DatapointFilter { Terms = terms } : null;
    return await Commands.RunAsync(parse.GetValue(suitesArgument)!, parse.GetValue(outOption)!, concurrency, filter, cancellationToken);
});

var validate = new Command("validate", "Check suites and their datasets without generating anything") { suitesArgument };
validate.SetAction(async (parse, cancellationToken) => await Commands.ValidateAsync(parse.GetValue(suitesArgument)!, cancellationToken));

var root = new RootCommand("evalrunner: LLM evaluations as tests. Exit codes: 0 passed, 1 thresholds failed, 2 invalid input or configuration, 130 cancelled.")
{
    run,
    validate,
};
// Ctrl-C cancels the run; the engine then writes run.json with the finished rows, which needs a moment.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });

static int Fail(string message)
{
    Commands.PrintError(message);
    return ExitCodes.Invalid;
}
