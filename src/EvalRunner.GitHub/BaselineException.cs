namespace EvalRunner.GitHub;

/// <summary>
/// A baseline that cannot be taken as it is: an artifact that is not a zip, or that would write outside its folder,
/// hold a link, or unpack to more than <see cref="ArtifactZipLimits"/> allow; or an output folder that is not empty.
/// </summary>
internal sealed class BaselineException(string message, Exception? inner = null) : EvalRunnerException(message, inner);
