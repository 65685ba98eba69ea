namespace EvalRunner.Suites;

/// <summary>Whether a suite value read through <c>${VAR}</c> is remembered as a secret for redaction.</summary>
internal enum Secrecy
{
    /// <summary>A secret when a variable it reads has a secret-looking name (<see cref="Settings.LooksSecret"/>).</summary>
    ByVariableName,

    /// <summary>Always a secret (<c>api_key</c>, <c>headers</c>).</summary>
    Secret,

    /// <summary>Never a secret, whatever the variable's name (a model name, a base URL: redacting them would hide what ran).</summary>
    NotSecret,
}
