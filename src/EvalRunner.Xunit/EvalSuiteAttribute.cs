using System.Reflection;
using EvalRunner.Datasets;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace EvalRunner.Xunit;

/// <summary>
/// Makes every datapoint × model config of a suite its own test case of a <c>[Theory]</c> taking an
/// <see cref="EvalCase"/>, named <c>suite › datapoint-id [model]</c>, with traits <c>suite</c>, <c>id</c>, <c>model</c> and
/// <c>tag</c> for <c>dotnet test --filter</c>; plus one case <c>suite › aggregate thresholds</c>. A suite without model
/// configs (<c>models:</c>) gives one case per datapoint, <c>suite › datapoint-id</c>, for responses the test supplies
/// (<see cref="EvalCase.EvaluateAsync(string, TimeSpan?, CancellationToken)"/>). Discovery reads the dataset only; no
/// model is called until a case runs.
/// </summary>
/// <param name="path">The suite file, relative to the test's output folder or the current folder.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class EvalSuiteAttribute(string path) : DataAttribute
{
    /// <summary>The suite file as given.</summary>
    public string Path { get; } = path;

    /// <summary>C# evaluator types (with a parameterless constructor) added after the suite's own evaluators.</summary>
    public Type[] Evaluators { get; set; } = [];

    /// <inheritdoc />
    public override async ValueTask<IReadOnlyCollection<ITheoryDataRow>> GetData(MethodInfo testMethod, DisposalTracker disposalTracker)
    {
        var session = await EvalSession.ForAsync(Path, Evaluators).ConfigureAwait(false);
        var rows = new List<ITheoryDataRow>();
        foreach (var datapoint in session.Datapoints)
        {
            // A suite without model configs generates nothing: the test's own code answers each datapoint (or the
            // dataset holds its response), as the model config "supplied", and the case has no label.
            IEnumerable<(string Name, string Label)> models = session.Suite.Models.Count > 0
                ? session.Suite.Models.Select(m => (m.Name, m.Name))
                : [(datapoint.SuppliedLog?.ModelConfig ?? DatapointParser.SuppliedModelConfig, string.Empty)];
            foreach (var model in models)
            {
                // xunit shows "display name [label]": suite › datapoint-id [model], without the argument list; an empty
                // label shows the display name alone.
                var row = new TheoryDataRow<EvalCase>(new EvalCase(session.Key, datapoint.Id, model.Name)) { Label = model.Label }
                    .WithTestDisplayName($"{session.Suite.Name} › {datapoint.Id}")
                    .WithTrait("suite", session.Suite.Name)
                    .WithTrait("id", datapoint.Id)
                    .WithTrait("model", model.Name)
                    .WithTrait("kind", "datapoint");
                foreach (var tag in datapoint.Tags)
                {
                    row = row.WithTrait("tag", tag);
                }

                rows.Add(row);
            }
        }

        // An empty label shows the display name alone.
        rows.Add(new TheoryDataRow<EvalCase>(new EvalCase(session.Key, datapointId: null, model: null)) { Label = string.Empty }
            .WithTestDisplayName($"{session.Suite.Name} › aggregate thresholds")
            .WithTrait("suite", session.Suite.Name)
            .WithTrait("kind", "aggregate"));
        return rows;
    }

    /// <inheritdoc />
    public override bool SupportsDiscoveryEnumeration() => true;
}
