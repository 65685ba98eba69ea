namespace EvalRunner.Tests;

/// <summary>Settings for a test: only the given variables, plus PATH so that python3 is found.</summary>
internal static class TestSettings
{
    public static Settings With(params (string Name, string Value)[] variables) =>
        new(new Dictionary<string, string>(variables.Select(v => KeyValuePair.Create(v.Name, v.Value)))
        {
            ["PATH"] = Settings.FromEnvironment().Get("PATH") ?? "/usr/bin:/bin",
        });
}
