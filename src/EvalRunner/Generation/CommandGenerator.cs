using System.Text;
using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using EvalRunner.Datasets;

namespace EvalRunner.Generation;

/// <summary>The system under test is a program: the datapoint goes in as JSON on stdin, the response comes out on stdout.</summary>
internal sealed class CommandGenerator(ModelConfig config, Settings settings) : Generator(config, settings)
{
    private readonly JsonPath? _responsePath = config.ResponsePath is null ? null : JsonPath.Parse(config.ResponsePath);

    protected override async Task<Output> GenerateCoreAsync(Datapoint datapoint, string? prompt, CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap(Config.Command[0])
            .WithArguments(Config.Command.Skip(1))
            .WithWorkingDirectory(Config.WorkingDirectory)
            .WithStandardInputPipe(PipeSource.FromBytes(DatapointJson.ToUtf8(datapoint, prompt)))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(Encoding.UTF8, cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var stderr = result.StandardError.Trim();
            throw new InvalidOperationException(
                $"command '{string.Join(' ', Config.Command)}' exited with code {result.ExitCode}"
                + (stderr.Length > 0 ? $": {(stderr.Length > 2000 ? "…" + stderr[^2000..] : stderr)}" : string.Empty));
        }

        var stdout = result.StandardOutput.TrimEnd('\r', '\n');
        if (_responsePath is null)
        {
            return new Output(stdout);
        }

        using var document = JsonDocument.Parse(stdout);
        return new Output(_responsePath.SelectText(document.RootElement));
    }
}
