namespace EvalRunner.Evaluators.Llm;

/// <summary>An LLM judge gave no answer that fits its output schema within its tries; the message holds the problems and the last answer.</summary>
internal sealed class JudgeOutputException(string message) : Exception(message);
