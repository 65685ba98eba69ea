using System.Text.Json;
using System.Text.Json.Nodes;
using EvalRunner.Caching;
using EvalRunner.Yaml;
using Microsoft.Extensions.AI;
using YamlDotNet.RepresentationModel;

namespace EvalRunner.Generation.Providers;

/// <summary>
/// <c>provider: scripted</c> — a model that answers from a script (<c>script: FILE</c>), with no network and no key:
/// for each conversation, the first entry whose <c>when</c> its first user message contains plays its steps, one per
/// model call (tool calls, then a final answer). It runs agents and their tools offline, for examples and for CI.
/// </summary>
internal sealed class ScriptedProvider : ProviderKind
{
    public override string Name => "scripted";

    public override string[] Keys => ["script"];

    public override ProviderCapabilities Capabilities => ProviderCapabilities.Chat;

    public override ModelConfig Read(YamlMap model, SuiteReadContext context)
    {
        var file = model.RequireString("script", "a YAML file of scripted conversations, for example model.script.yaml", Secrecy.NotSecret);
        var full = context.Paths.Resolve(model, "script", file);
        var at = model.LocationOf("script");
        if (!File.Exists(full))
        {
            throw new SuiteException(at, $"script file '{file}' not found (looked for {full})");
        }

        return new ModelConfig
        {
            Name = model.String("name") ?? "scripted",
            Provider = Name,
            Model = model.String("model", Secrecy.NotSecret) ?? "scripted",
            Options = new ScriptedOptions { Entries = ReadScript(full, model.Settings) },
        };
    }

    public override Generator CreateGenerator(ModelConfig config, RunServices services) =>
        new ChatClientGenerator(config, services.Settings, CreateChatClient(config, services.Setup), "scripted model", services.Setup.Cache, McpToolbox.For(config, services));

    public override IChatClient CreateChatClient(ModelConfig config, ClientSetup setup)
    {
        IChatClient client = new ScriptedChatClient(((ScriptedOptions)config.Options!).Entries, config.Model ?? "scripted");
        return setup.Cache is { Mode: not CacheMode.Off } cache
            ? new CachedChatClient(client, cache, ["scripted", config.Model ?? "scripted", .. AgentTool.CacheKeyValues(config)])
            : client;
    }

    private static List<ScriptEntry> ReadScript(string path, Settings settings)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StringReader(InputFile.ReadAllText(path, new SourceLocation(path, 1)));
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new SuiteException(new SourceLocation(path, (int)ex.Start.Line, (int)ex.Start.Column), $"not valid YAML: {ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SuiteException(new SourceLocation(path, 1), "a script is a mapping with 'conversations:', a list of {when, steps}");
        }

        var map = new YamlMap(root, path, string.Empty, settings);
        map.AllowOnly(["conversations"]);
        var entries = new List<ScriptEntry>();
        foreach (var entry in map.Maps("conversations"))
        {
            entry.AllowOnly(["when", "steps"]);
            var steps = new List<ScriptStep>();
            foreach (var step in entry.Maps("steps"))
            {
                step.AllowOnly(["call", "arguments", "calls", "answer"]);
                if (new[] { step.Has("call"), step.Has("calls"), step.Has("answer") }.Count(has => has) != 1)
                {
                    throw new SuiteException(step.Here, "a step is one model call: 'call' (a tool, with 'arguments'), 'calls' (several tools at once: a list of {name, arguments}) or 'answer' (the final text)");
                }

                var calls = new List<ScriptCall>();
                if (step.String("call", Secrecy.NotSecret) is { } name)
                {
                    calls.Add(new ScriptCall(name, Arguments(step)));
                }

                foreach (var call in step.Maps("calls"))
                {
                    call.AllowOnly(["name", "arguments"]);
                    calls.Add(new ScriptCall(call.RequireString("name", "the tool to call", Secrecy.NotSecret), Arguments(call)));
                }

                steps.Add(new ScriptStep(calls, step.String("answer", Secrecy.NotSecret)));
            }

            if (steps.Count == 0 || steps[^1].Answer is null)
            {
                throw new SuiteException(entry.Has("steps") ? entry.LocationOf("steps") : entry.Here with { Field = entry.Join("steps") }, "the steps must end with an 'answer'");
            }

            entries.Add(new ScriptEntry(entry.String("when", Secrecy.NotSecret), steps));
        }

        return entries;
    }

    private static string Arguments(YamlMap step) => step.Node("arguments") is { } node
        ? (YamlJson.FromNode(node, step.LocationOf("arguments")) as JsonObject ?? throw step.Error("arguments", "must be a mapping of the tool's arguments")).ToJsonString()
        : "{}";
}

/// <summary>The script of a <c>scripted</c> model config.</summary>
internal sealed record ScriptedOptions : ProviderOptions
{
    public required IReadOnlyList<ScriptEntry> Entries { get; init; }
}

/// <summary>One scripted conversation: it plays for a first user message that contains <see cref="When"/> (any when null).</summary>
internal sealed record ScriptEntry(string? When, IReadOnlyList<ScriptStep> Steps);

/// <summary>One model call: the tool calls it asks for, or the final <see cref="Answer"/>.</summary>
internal sealed record ScriptStep(IReadOnlyList<ScriptCall> Calls, string? Answer);

/// <summary>A scripted tool call: the tool and its arguments as JSON.</summary>
internal sealed record ScriptCall(string Name, string Arguments);

/// <summary>
/// The scripted model: the conversation's tool rounds so far pick the step (one step per model call, its calls asked at once
/// with <c>calls:</c>), and an answer may quote the last tool result (<c>{tool_result}</c>).
/// </summary>
internal sealed class ScriptedChatClient(IReadOnlyList<ScriptEntry> entries, string model) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var question = list.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var entry = entries.FirstOrDefault(e => e.When is null || question.Contains(e.When, StringComparison.OrdinalIgnoreCase));
        var rounds = list.Count(m => m.Role == ChatRole.Assistant && m.Contents.OfType<FunctionCallContent>().Any());
        var lastResult = list.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault()?.Result?.ToString() ?? string.Empty;
        var input = list.Sum(m => Words(m.Text));
        if (entry is null)
        {
            return Task.FromResult(Answer($"(no scripted conversation for: {question})", input));
        }

        var step = entry.Steps[Math.Min(rounds, entry.Steps.Count - 1)];
        if (step.Answer is { } answer)
        {
            return Task.FromResult(Answer(answer.Replace("{tool_result}", lastResult, StringComparison.Ordinal), input));
        }

        var calls = step.Calls.Select((call, i) => (AIContent)new FunctionCallContent(
            $"call_{rounds + 1}_{i + 1}",
            call.Name,
            JsonSerializer.Deserialize(call.Arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Dictionary<string, object?>))) as Dictionary<string, object?>)).ToList();
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, calls))
        {
            ModelId = model,
            FinishReason = ChatFinishReason.ToolCalls,
            Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = step.Calls.Sum(c => Words(c.Name) + Words(c.Arguments)) },
        });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("the scripted model answers whole responses only");

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private ChatResponse Answer(string text, long input) => new(new ChatMessage(ChatRole.Assistant, text))
    {
        ModelId = model,
        FinishReason = ChatFinishReason.Stop,
        Usage = new UsageDetails { InputTokenCount = input, OutputTokenCount = Words(text) },
    };

    private static int Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
}
