namespace EvalRunner.GitHub;

/// <summary>
/// GitHub's workflow commands (<c>::warning::</c>, <c>::error file=...::</c>), escaped as the Actions toolkit does
/// (https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts): a message or property cannot end the
/// command early or start another one.
/// </summary>
internal static class WorkflowCommand
{
    /// <summary>A <c>::warning::</c> line; the text must already be redacted.</summary>
    public static string Warning(string message) => "::warning::" + Escape(message);

    /// <summary>The text of a command's message.</summary>
    public static string Escape(string text) =>
        text.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    /// <summary>The value of a command's property (<c>file=</c>, <c>title=</c>).</summary>
    public static string EscapeProperty(string text) =>
        Escape(text).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
