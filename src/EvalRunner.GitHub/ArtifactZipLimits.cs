namespace EvalRunner.GitHub;

/// <summary>What a downloaded artifact may unpack to; anything more is refused before it fills the disk.</summary>
internal sealed record ArtifactZipLimits
{
    /// <summary>Uncompressed bytes of all files together (default 200 MB). The download itself may be no larger.</summary>
    public long MaxBytes { get; init; } = 200L * 1024 * 1024;

    /// <summary>Uncompressed bytes of one file (default 100 MB).</summary>
    public long MaxEntryBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Files and folders (default 10,000).</summary>
    public int MaxEntries { get; init; } = 10_000;
}
