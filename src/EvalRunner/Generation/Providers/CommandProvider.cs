using System.Text.Json;
using CliWrap;
using EvalRunner.Datasets;
using EvalRunner.Generation;
using EvalRunner.Yaml;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Generation.Providers;

/// <summary>The settings of <c>provider: command</c>.</summary>
internal sealed record CommandOptions : ProviderOptions
{
    /// <summary>The program and its arguments.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Where the response text is in a JSON output (<c>$.answer</c>); null takes the whole output.</summary>
    public string? ResponsePath { get; init; }

    /// <summary>Where the trajectory is in a JSON output (<c>steps</c>); null when the program gives none.</summary>
    public string? StepsPath { get; init; }

    /// <summary>Where the suite gives the command, for the check's error.</summary>
    internal SourceLocation CommandLocation { get; init; }
}

/// <summary><c>provider: command</c> — any program: the datapoint as JSON on stdin, the response on stdout.</summary>
internal sealed class CommandProvider : ProviderKind
{
    public override string Name => "command";

    public override string[] Keys => ["command", "response_path", "steps_path"];

    public override ModelConfig Read(YamlMap model, SuiteReadContext context)
    {
        var command = model.Node("command") is YamlScalarNode
            ? SpecReader.SplitCommandLine(model.String("command")!)
            : model.StringList("command") ?? [];
        if (command.Count == 0)
        {
            throw new SuiteException(model.Has("command") ? model.LocationOf("command") : model.Here with { Field = model.Join("command") },
                "'command' is required: the program and its arguments, for example [python3, bot.py]");
        }

        return new ModelConfig
        {
            Name = model.String("name") ?? "command",
            Provider = Name,
            Options = new CommandOptions { Command = command, ResponsePath = ModelReader.ReadResponsePath(model), StepsPath = ModelReader.ReadStepsPath(model), CommandLocation = model.LocationOf("command") },
        };
    }

    public override Task CheckAsync(ModelConfig config, Settings settings, CancellationToken cancellationToken)
    {
        var options = (CommandOptions)config.Options!;
        return SpecReader.ResolveExecutable(options.Command[0], config.WorkingDirectory, settings) is null
            ? throw new SuiteException(options.CommandLocation, $"program '{options.Command[0]}' not found (not a file relative to the suite, nor on PATH)")
            : Task.CompletedTask;
    }

    public override Generator CreateGenerator(ModelConfig config, RunServices services) =>
        new CommandGenerator(config, (CommandOptions)config.Options!, services.Settings);
}

/// <summary>The system under test is a program: the datapoint goes in as JSON on stdin, the response comes out on stdout.</summary>
internal sealed class CommandGenerator(ModelConfig config, CommandOptions options, Settings settings) : Generator(config, settings)
{
    private readonly JsonPath? _responsePath = options.ResponsePath is null ? null : JsonPath.Parse(options.ResponsePath);
    private readonly JsonPath? _stepsPath = options.StepsPath is null ? null : JsonPath.Parse(options.StepsPath);

    protected override async Task<Output> GenerateCoreAsync(Datapoint datapoint, string? prompt, CancellationToken cancellationToken)
    {
        // Output is read as it streams and only run.max_output_bytes of it is kept: a program that prints 50 MB costs
        // the limit in memory, not the output.
        using var output = new CappedOutputStream(MaxOutputBytes);
        using var errors = new CappedOutputStream(4000);
        var result = await Cli.Wrap(options.Command[0])
            .WithArguments(options.Command.Skip(1))
            .WithWorkingDirectory(Config.WorkingDirectory)
            .WithStandardInputPipe(PipeSource.FromBytes(DatapointJson.ToUtf8(datapoint, prompt)))
            .WithStandardOutputPipe(PipeTarget.ToStream(output))
            .WithStandardErrorPipe(PipeTarget.ToStream(errors))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cancellationToken)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var (stderr, _) = errors.Result();
            stderr = stderr.Trim();
            throw new InvalidOperationException(
                $"command '{string.Join(' ', options.Command)}' exited with code {result.ExitCode}"
                + (stderr.Length > 0 ? $": {stderr}{(errors.Exceeded ? "…" : string.Empty)}" : string.Empty));
        }

        var (text, sha256) = output.Result();
        var stdout = text.TrimEnd('\r', '\n');
        if (_responsePath is null)
        {
            return new Output(stdout) { CutSha256 = sha256 };
        }

        if (sha256 is not null)
        {
            throw new InvalidOperationException(
                $"command '{string.Join(' ', options.Command)}' printed {output.Length} bytes, more than run.max_output_bytes ({MaxOutputBytes}); response_path needs the whole JSON");
        }

        using var document = JsonDocument.Parse(stdout);
        return new Output(_responsePath.SelectText(document.RootElement))
        {
            Steps = _stepsPath is null ? null : ModelReader.ReadSteps(_stepsPath, document.RootElement),
        };
    }
}
