using EvalRunner.Generation;

namespace EvalRunner.Suites;

/// <summary>
/// A model config changed or added for one run (<c>evalrunner run --model NAME=MODEL</c>): the model of the config
/// named NAME is replaced by MODEL; when the suite has no config NAME, a config NAME is added as a copy of the suite's
/// first config (provider, endpoint, key, prompt, template, sampling) with MODEL as its model.
/// </summary>
internal sealed record ModelOverride
{
    /// <summary>The model config's name.</summary>
    public required string Name { get; init; }

    /// <summary>The model (or Azure deployment) it generates with.</summary>
    public required string Model { get; init; }

    /// <summary>Reads <c>NAME=MODEL</c>; null with the problem when it is not that.</summary>
    public static ModelOverride? Parse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            problem = $"--model '{text}' is not NAME=MODEL (for example --model candidate=gpt-4.1-mini)";
            return null;
        }

        var (name, model) = (text[..equals], text[(equals + 1)..]);
        if (name.Length == 0 || model.Length == 0)
        {
            problem = $"--model '{text}': both NAME and MODEL must be given (NAME=MODEL)";
        }
        else if (name.Trim() != name || model.Trim() != model)
        {
            problem = $"--model '{text}': NAME and MODEL may not start or end with spaces";
        }
        else if (name.Any(c => char.IsControl(c) || BidiText.IsControl(c)) || model.Any(c => char.IsControl(c) || BidiText.IsControl(c)))
        {
            problem = $"--model '{BidiText.Neutralise(text)}': NAME and MODEL may not hold control characters";
        }

        return problem is null ? new ModelOverride { Name = name, Model = model } : null;
    }

    /// <summary>
    /// The suite with the overrides applied, in order; null with the problem when one cannot be (a config without a
    /// model, such as a command's; a suite without model configs to copy; a name given twice).
    /// </summary>
    public static Suite? Apply(Suite suite, IReadOnlyList<ModelOverride> overrides, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(overrides);
        problem = null;
        if (overrides.Count == 0)
        {
            return suite;
        }

        if (overrides.GroupBy(o => o.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            problem = $"--model {twice.Key}=... is given {twice.Count()} times; give each model config once";
            return null;
        }

        var models = suite.Models.ToList();
        foreach (var change in overrides)
        {
            var index = models.FindIndex(m => m.Name == change.Name);
            var basis = index >= 0 ? models[index] : models.FirstOrDefault();
            if (basis is null)
            {
                problem = $"--model {change.Name}={change.Model}: suite '{suite.Name}' has no model configs to copy (its datapoints bring their responses)";
                return null;
            }

            if (basis.Model is null)
            {
                problem = index >= 0
                    ? $"--model {change.Name}={change.Model}: model config '{change.Name}' of suite '{suite.Name}' uses the {basis.Provider} provider, which has no model to replace"
                    : $"--model {change.Name}={change.Model}: suite '{suite.Name}' has no model config '{change.Name}', and its first, '{basis.Name}', uses the {basis.Provider} provider, which has no model to copy it with{Suggest.DidYouMean(change.Name, models.Select(m => m.Name))}";
                return null;
            }

            var changed = basis with { Name = change.Name, Model = change.Model };
            if (index >= 0)
            {
                models[index] = changed;
            }
            else
            {
                models.Add(changed);
            }
        }

        return suite with { Models = models, ModelOverrides = overrides };
    }
}
