namespace EvalRunner.Testing;

/// <summary>A tool call the test server answers with: the tool's name and its arguments as JSON text.</summary>
public sealed record FakeToolCall(string Name, string Arguments = "{}");
