namespace EvalRunner.Yaml;

/// <summary>Whether a suite value read through <c>${VAR}</c> is remembered as a secret for redaction.</summary>
internal enum Secrecy
{
    /// <summary>A secret when a variable it reads has a secret-looking name (<see cref="Settings.LooksSecret"/>).</summary>
    ByVariableName,

    /// <summary>Always a secret: a credential (<c>api_key</c>, a credential header such as <c>Authorization</c>).</summary>
    Secret,

    /// <summary>
    /// The variables it reads are secrets; which parts of the whole value are, its reader says (a credential header:
    /// the token after its scheme).
    /// </summary>
    SecretVariables,

    /// <summary>Never a secret, whatever the variable's name (a model name, a base URL, a webhook whose credential parts are taken apart: redacting them would hide what ran).</summary>
    NotSecret,
}
