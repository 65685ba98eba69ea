using System.Text.Json;
using EvalRunner.Results;
using Octokit;

namespace EvalRunner.GitHub;

/// <summary>
/// Finds the results a pull request is compared with: the <c>evalrunner-results</c> artifact of the latest successful
/// run of the same workflow on the base branch (Octokit, against <c>GITHUB_API_URL</c>), skipping runs whose artifact
/// has expired or is missing, up to <see cref="BaselineRequest.MaxRuns"/> runs back. Only runs of the repository
/// itself count, not pull-request runs (a fork's pull request from its own <c>main</c> has <c>head_branch: main</c>
/// too). The artifact is downloaded and extracted as hostile input (<see cref="ArtifactZip"/>) into a folder beside
/// the output folder, then moved into place with <c>baseline.json</c>, so the output folder exists only when a whole
/// baseline is there. GitHub failing, rate-limited (after <see cref="RetryAfterHandler"/>'s tries) or refusing is
/// <see cref="BaselineOutcome.Unavailable"/>, never an exception: a pull request's evaluation goes on without a baseline.
/// </summary>
internal sealed class BaselineArtifact(Settings settings, TimeProvider? timeProvider = null)
{
    /// <summary>The file that says where a baseline comes from, in the baseline's folder.</summary>
    public const string InfoFile = "baseline.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Looks for the baseline and extracts it into <see cref="BaselineRequest.OutDirectory"/>.</summary>
    /// <exception cref="BaselineException">The output folder is not empty, or the artifact is not safe to extract.</exception>
    public async Task<BaselineFetch> FetchAsync(BaselineRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var outDirectory = Path.GetFullPath(request.OutDirectory);
        if (Directory.Exists(outDirectory) && Directory.EnumerateFileSystemEntries(outDirectory).Any())
        {
            throw new BaselineException($"{request.OutDirectory}: the folder is not empty; give a new or empty folder for the baseline");
        }

        if ((request.Branch ?? settings.GetNotSecret("GITHUB_BASE_REF")) is not { } branch)
        {
            return None("this is not a pull request (GITHUB_BASE_REF is not set), so there is no base branch; give --branch to compare with one");
        }

        if ((request.Workflow ?? WorkflowFile(settings.GetNotSecret("GITHUB_WORKFLOW_REF"))) is not { } workflow)
        {
            return None("the workflow is not known (GITHUB_WORKFLOW_REF is not set: not in GitHub Actions); give --workflow FILE, e.g. evals.yml");
        }

        var token = settings.GetSecret("GITHUB_TOKEN");
        var repository = settings.GetNotSecret("GITHUB_REPOSITORY");
        if (token is null || repository?.Split('/') is not [var owner, var name])
        {
            return Unavailable("GITHUB_TOKEN or GITHUB_REPOSITORY is not set");
        }

        var github = GitHubApi.Connect(settings, token, tries: null, _time);

        // The default 100 s is short for a large artifact on a slow link.
        github.Client.SetRequestTimeout(TimeSpan.FromMinutes(5));
        var where = $"{workflow} on branch {branch}";
        try
        {
            WorkflowRunsResponse runs;
            try
            {
                runs = await github.Client.Actions.Workflows.Runs.ListByWorkflow(
                    owner,
                    name,
                    workflow,
                    new WorkflowRunsRequest { Branch = branch, Status = CheckRunStatusFilter.Success, ExcludePullRequests = true },
                    new ApiOptions { PageSize = Math.Clamp(request.MaxRuns * 3, 10, 100), PageCount = 1, StartPage = 1 }).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                // What GitHub answers for a workflow file that is not on the default branch yet: the pull request adds it.
                return None($"GitHub knows no workflow {workflow} in {repository} (404): a workflow that is new in this pull request has no runs on {branch} yet");
            }

            var candidates = runs.WorkflowRuns
                .Where(r => r.Conclusion?.StringValue == "success"
                    && r.Event is not ("pull_request" or "pull_request_target")
                    && (r.HeadRepository?.FullName is null || string.Equals(r.HeadRepository.FullName, repository, StringComparison.OrdinalIgnoreCase)))
                .OrderByDescending(r => r.CreatedAt)
                .Take(request.MaxRuns)
                .ToList();
            if (candidates.Count == 0)
            {
                return None($"no successful run of {where}");
            }

            int expired = 0, missing = 0;
            foreach (var run in candidates)
            {
                var artifacts = await github.Client.Actions.Artifacts.ListWorkflowArtifacts(owner, name, run.Id, new ListArtifactsRequest { Name = request.Artifact, PerPage = 100 }).ConfigureAwait(false);
                var artifact = artifacts.Artifacts.Where(a => a.Name == request.Artifact).OrderByDescending(a => a.CreatedAt).FirstOrDefault();
                if (artifact is null)
                {
                    missing++;
                    continue;
                }

                if (artifact.Expired)
                {
                    expired++;
                    continue;
                }

                var info = new BaselineInfo
                {
                    Commit = run.HeadSha,
                    Branch = branch,
                    CreatedAt = run.CreatedAt,
                    RunUrl = run.HtmlUrl,
                    Artifact = new BaselineArtifactId { Name = artifact.Name, Id = artifact.Id },
                };
                await ExtractAsync(github, owner, name, artifact, info, outDirectory, request.Limits, cancellationToken).ConfigureAwait(false);
                return new BaselineFetch { Outcome = BaselineOutcome.Found, Baseline = info, Directory = request.OutDirectory };
            }

            var found = candidates.Count == 1 ? "the latest successful run" : $"the {candidates.Count} latest successful runs";
            var why = (expired, missing) switch
            {
                (_, 0) => expired == 1 ? "its artifact has expired" : "their artifacts have expired",
                (0, _) => missing == 1 ? "it has no such artifact" : "they have no such artifact",
                _ => $"{expired} expired, {missing} without it",
            };
            return None($"{found} of {where} had no {request.Artifact} artifact to download ({why})");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !GitHubApi.IsFault(ex, cancellationToken))
        {
            throw new BaselineException($"{request.OutDirectory}: cannot write the baseline: {ex.Message}", ex);
        }
        catch (Exception ex) when (GitHubApi.IsFault(ex, cancellationToken))
        {
            var detail = ex is ApiException or HttpRequestException ? ": " + ex.Message : string.Empty;
            return Unavailable(github.Why(
                ex,
                $"the token cannot read the workflow runs and artifacts of {repository} (the workflow needs `permissions: actions: read`)") + detail);
        }
    }

    /// <summary>The workflow's file name in <c>GITHUB_WORKFLOW_REF</c>: <c>owner/repo/.github/workflows/evals.yml@refs/pull/7/merge</c> → <c>evals.yml</c>.</summary>
    public static string? WorkflowFile(string? workflowRef)
    {
        if (workflowRef is null)
        {
            return null;
        }

        var at = workflowRef.IndexOf('@', StringComparison.Ordinal);
        var path = at < 0 ? workflowRef : workflowRef[..at];
        var file = path[(path.LastIndexOf('/') + 1)..];
        return file.Length == 0 ? null : file;
    }

    private async Task ExtractAsync(GitHubApi github, string owner, string name, Artifact artifact, BaselineInfo info, string outDirectory, ArtifactZipLimits limits, CancellationToken cancellationToken)
    {
        var what = $"the {artifact.Name} artifact (id {artifact.Id}) of {info.RunUrl}";
        if (artifact.SizeInBytes > limits.MaxBytes)
        {
            throw new BaselineException($"{what} is {artifact.SizeInBytes} bytes, over the limit of {limits.MaxBytes}");
        }

        // Extracted beside the output folder, then moved into place: the output folder holds a whole baseline or nothing.
        var parent = Path.GetDirectoryName(outDirectory)!;
        Directory.CreateDirectory(parent);
        var partial = Path.Combine(parent, $".{Path.GetFileName(outDirectory)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(partial);
        try
        {
            var zip = await github.Client.Actions.Artifacts.DownloadArtifact(owner, name, artifact.Id, "zip").ConfigureAwait(false);
            await using (zip.ConfigureAwait(false))
            {
                await ArtifactZip.ExtractAsync(zip, partial, what, limits, cancellationToken).ConfigureAwait(false);
            }

            if (Directory.Exists(Path.Combine(partial, InfoFile)))
            {
                throw new BaselineException($"{what} holds a folder named {InfoFile}, the name of the file that says where a baseline comes from");
            }

            await File.WriteAllTextAsync(Path.Combine(partial, InfoFile), settings.Redact(JsonSerializer.Serialize(info, Json)) + "\n", cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(outDirectory))
            {
                // Empty, as checked before anything was asked.
                Directory.Delete(outDirectory);
            }

            Directory.Move(partial, outDirectory);
        }
        finally
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
        }
    }

    private static BaselineFetch None(string reason) => new() { Outcome = BaselineOutcome.None, Reason = reason };

    private static BaselineFetch Unavailable(string reason) => new() { Outcome = BaselineOutcome.Unavailable, Reason = reason };
}
