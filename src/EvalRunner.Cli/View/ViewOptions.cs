using System.Net;

namespace EvalRunner.Cli.View;

/// <summary>What <c>evalrunner view</c> serves, and where.</summary>
internal sealed record ViewOptions
{
    /// <summary>The folders searched for runs (a folder with run.json, or any folder below).</summary>
    public required IReadOnlyList<string> Directories { get; init; }

    /// <summary>Where the page listens; loopback unless asked.</summary>
    public IPEndPoint Endpoint { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>The folder of the results files' line indexes; never a results folder.</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>The suite whose <c>external</c> evaluator receives reviews; null: browsing and comparing only.</summary>
    public string? SuitePath { get; init; }

    /// <summary>The external evaluator reviewed; null: the suite's only one.</summary>
    public string? Evaluator { get; init; }

    public bool AllowOutsidePaths { get; init; }

    public required Settings Settings { get; init; }

    /// <summary>The token every request carries; null: a random one.</summary>
    public string? Token { get; init; }

    /// <summary>The rows a page of a run lists.</summary>
    public int PageSize { get; init; } = 50;

    /// <summary>The default folder of the indexes: <c>$XDG_CACHE_HOME/evalrunner/view</c>, else <c>~/.cache/evalrunner/view</c>.</summary>
    public static string DefaultCacheDirectory(Settings settings)
    {
        var root = settings.GetNotSecret("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "evalrunner", "view");
    }
}
