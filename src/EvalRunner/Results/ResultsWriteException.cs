namespace EvalRunner.Results;

/// <summary>
/// A run's files could not be written (the disk is full, the folder is read-only or gone): the run stops at once,
/// since a row that cannot be written would be paid for and lost. The message names the file.
/// </summary>
internal sealed class ResultsWriteException(string path, Exception innerException)
    : EvalRunnerException($"{path}: cannot write the run's results: {Reason(innerException)}; make sure the folder is writable and has free space, or write the results to another folder", innerException)
{
    /// <summary>The file that could not be written.</summary>
    public string Path { get; } = path;

    /// <summary>Whether <paramref name="exception"/> is a failure of the file system.</summary>
    public static bool IsFileFailure(Exception exception) => exception is IOException or UnauthorizedAccessException;

    // The runtime's message ends with the path again (": 'path'"); it is already at the front.
    private static string Reason(Exception exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" : '", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }
}
