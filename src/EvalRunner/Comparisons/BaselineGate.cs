using EvalRunner.Results;

namespace EvalRunner.Comparisons;

/// <summary>Adds a comparison to a run: its <c>baseline</c> block, and a <see cref="VerdictReasonKind.Regression"/> reason that fails the run when a regression rule is broken.</summary>
internal static class BaselineGate
{
    /// <summary>The run with the comparison; a broken regression rule turns a pass or an unmeasured run into a fail (an error or a cancelled run stays as it is).</summary>
    public static RunResult Apply(RunResult result, Comparison comparison)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(comparison);
        result = result with { Baseline = comparison };
        if (!comparison.Regressed || result.Verdict is not (Verdict.Pass or Verdict.Fail or Verdict.Unmeasured))
        {
            return result;
        }

        var regression = new VerdictReason { Kind = VerdictReasonKind.Regression, Message = comparison.Gate };
        // A run that already holds a comparison's regression (its run.json, reported again with --baseline) gets this one
        // in its place, not a second one.
        List<VerdictReason> reasons = [.. result.Reasons.Where(r => r.Kind is not (VerdictReasonKind.Passed or VerdictReasonKind.Regression))];
        reasons.Insert(reasons.TakeWhile(r => r.Kind != VerdictReasonKind.NeedsLiveRun).Count(), regression);
        return result.WithVerdict(Verdict.Fail, reasons);
    }

    /// <summary>
    /// Compares a finished run with its baseline and applies the comparison. Without a baseline, and with no
    /// regression rule in the suite, the run is returned as it is. A baseline that is missing or unreadable is a note
    /// in the comparison, never a failure.
    /// </summary>
    public static async Task<RunResult> DecideAsync(RunResult result, Suites.Suite suite, string? baselinePath, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(suite);
        var path = baselinePath ?? suite.Baseline.Source;
        if (path is null && !suite.Thresholds.Any(t => t.IsRegression))
        {
            return result;
        }

        string? directory = null;
        string? note = null;
        if (path is not null)
        {
            try
            {
                (directory, note) = await BaselineLocator.FindAsync(path, suite.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Text.Json.JsonException ex)
            {
                note = $"the baseline cannot be read: {ex.Message}";
            }
        }

        Comparison comparison;
        try
        {
            comparison = await ComparisonBuilder.BuildAsync(
                new ComparisonRequest { Head = result, HeadDirectory = result.OutputDirectory, BaseDirectory = directory, BaseNote = note, Suite = suite, Options = suite.Baseline, Now = now },
                cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException ex)
        {
            comparison = await ComparisonBuilder.BuildAsync(
                new ComparisonRequest { Head = result, HeadDirectory = result.OutputDirectory, BaseNote = $"the baseline cannot be read: {ex.Message}", Suite = suite, Options = suite.Baseline, Now = now },
                cancellationToken).ConfigureAwait(false);
        }

        return Apply(result, comparison);
    }
}
