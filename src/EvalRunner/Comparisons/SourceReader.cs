using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Results;

namespace EvalRunner.Comparisons;

/// <summary>
/// The commit and branch a run measures: from CI's variables (<c>GITHUB_SHA</c>; <c>GITHUB_HEAD_REF</c>, else
/// <c>GITHUB_REF_NAME</c>), else from <c>git</c> in the suite's folder; nothing when that is not a repository.
/// </summary>
internal static class SourceReader
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The run's source, or null when neither CI nor git knows it.</summary>
    public static async Task<RunSource?> ReadAsync(Settings settings, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var commit = settings.GetNotSecret("GITHUB_SHA");
        var branch = settings.GetNotSecret("GITHUB_HEAD_REF") ?? settings.GetNotSecret("GITHUB_REF_NAME");
        commit ??= await GitAsync(directory, ["rev-parse", "HEAD"], cancellationToken).ConfigureAwait(false);
        if (branch is null && commit is not null)
        {
            branch = await GitAsync(directory, ["rev-parse", "--abbrev-ref", "HEAD"], cancellationToken).ConfigureAwait(false);

            // A detached head has no branch.
            branch = branch == "HEAD" ? null : branch;
        }

        return commit is null && branch is null ? null : new RunSource { Commit = commit, Branch = branch };
    }

    private static async Task<string?> GitAsync(string directory, string[] arguments, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(GitTimeout);
        try
        {
            var result = await Cli.Wrap("git")
                .WithArguments(arguments)
                .WithWorkingDirectory(directory)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(timeout.Token)
                .ConfigureAwait(false);
            var text = result.StandardOutput.Trim();
            return result.ExitCode == 0 && text.Length > 0 ? text : null;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or OperationCanceledException or InvalidOperationException)
        {
            // No git, or not a repository: the run simply has no source.
            cancellationToken.ThrowIfCancellationRequested();
            return null;
        }
    }
}
