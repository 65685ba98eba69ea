using EvalRunner.Logs;
using EvalRunner.Online;

namespace EvalRunner.Cli.Online;

/// <summary>What a span gives: a log (a GenAI chat span with its messages), nothing (another span), or a chat span without content.</summary>
internal readonly record struct GenAISpanResult(IncomingLog? Log, bool Missing);
