using System.Reflection;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace EvalRunner.Xunit;

/// <summary>
/// Makes every datapoint × model config of a suite its own test case of a <c>[Theory]</c> taking an
/// <see cref="EvalCase"/>, named <c>suite › datapoint-id [model]</c>, with traits <c>suite</c>, <c>id</c>, <c>model</c> and
/// <c>tag</c> for <c>dotnet test --filter</c>; plus one case <c>suite › aggregate thresholds</c>. Discovery reads the
/// dataset only; no model is called until a case runs.
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
            foreach (var model in session.Suite.Models.Select(m => (Name: m.Name, Label: m.Name)))
            {
                // xunit shows "display name [label]": suite › datapoint-id [model], without the argument list.
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
