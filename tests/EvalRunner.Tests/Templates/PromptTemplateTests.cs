using System.Text.Json;
using EvalRunner.Datasets;
using EvalRunner.Templates;
using Microsoft.Extensions.AI;

namespace EvalRunner.Tests.Templates;

public sealed class PromptTemplateTests
{
    private static readonly Datapoint Datapoint = new()
    {
        Id = "dp1",
        Messages = [new ChatMessage(ChatRole.User, "Hello"), new ChatMessage(ChatRole.Assistant, "Hi!"), new ChatMessage(ChatRole.User, "2+2?")],
        Expected = JsonSerializer.SerializeToElement("4"),
        Context = new Dictionary<string, JsonElement>
        {
            ["topic"] = JsonSerializer.SerializeToElement("math"),
            ["user"] = JsonSerializer.SerializeToElement(new { name = "Ada", level = 3 }),
        },
    };

    [Fact]
    public void Every_variable_of_the_reference_documents_renders()
    {
        var template = PromptTemplate.Parse(
            "Q={input.content} E={output.content} T={context.topic} N={context.user.name} L={context.user.level} R={generated_response} ID={id}\n{full_history}",
            "test",
            allowResponse: true);

        Assert.Equal("Q=2+2? E=4 T=math N=Ada L=3 R=four ID=dp1\nuser: Hello\nassistant: Hi!\nuser: 2+2?", template.Render(Datapoint, "four"));
    }

    [Fact]
    public void Double_braces_are_literal_braces()
    {
        Assert.Equal("{\"q\": \"2+2?\"}", PromptTemplate.Parse("{{\"q\": \"{input.content}\"}}", "t", false).Render(Datapoint));
    }

    [Fact]
    public void Generated_response_is_not_available_to_generation_templates()
    {
        var ex = Assert.Throws<FormatException>(() => PromptTemplate.Parse("{generated_response}", "models[0].template", allowResponse: false));

        Assert.StartsWith("models[0].template: unknown variable {generated_response} ({generated_response} exists only in evaluator prompts)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_context_value_names_the_datapoint_and_the_variable()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => PromptTemplate.Parse("{context.lang}", "t", false).Render(Datapoint));

        Assert.Equal("datapoint 'dp1' has no context.lang (the template uses {context.lang})", ex.Message);
    }

    [Fact]
    public void An_unclosed_brace_is_an_error()
    {
        var ex = Assert.Throws<FormatException>(() => PromptTemplate.Parse("Answer {input.content", "t", false));

        Assert.Contains("is never closed", ex.Message, StringComparison.Ordinal);
    }
}
