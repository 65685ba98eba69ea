using EvalRunner.Datasets;
using EvalRunner.Testing;
using Microsoft.Extensions.AI;

namespace EvalRunner.Tests.Datasets;

public sealed class DatasetTests
{
    private static async Task<List<Datapoint>> ReadAsync(string path)
    {
        var list = new List<Datapoint>();
        await foreach (var datapoint in Dataset.ReadAsync(path, TestContext.Current.CancellationToken))
        {
            list.Add(datapoint);
        }

        return list;
    }

    [Fact]
    public async Task A_JSONL_dataset_reads_messages_input_shorthand_expected_context_and_tags()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.jsonl", """
            {"id": "a", "messages": [{"role": "human", "content": "Hi"}, {"role": "ai", "content": "Hello"}, {"role": "user", "content": "2+2?"}], "expected": "4", "context": {"topic": "math", "level": {"n": 1}}, "tags": ["math", "easy"]}

            {"id": "b", "input": "Capital of France?", "expected": {"content": "Paris", "role": "ai"}}
            """);

        var datapoints = await ReadAsync(path);

        Assert.Equal(["a", "b"], datapoints.Select(d => d.Id));
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User], datapoints[0].Messages.Select(m => m.Role));
        Assert.Equal("2+2?", datapoints[0].Input);
        Assert.Equal("4", datapoints[0].ExpectedText);
        Assert.Equal("math", datapoints[0].Context["topic"].GetString());
        Assert.Equal(["math", "easy"], datapoints[0].Tags);
        Assert.Equal("user: Hi\nassistant: Hello\nuser: 2+2?", datapoints[0].FullHistory);
        Assert.Equal("Capital of France?", datapoints[1].Input);
        Assert.Equal("Paris", datapoints[1].ExpectedText);
        Assert.Equal(3, datapoints[1].Location!.Value.Line);
    }

    [Fact]
    public async Task A_truncated_JSONL_line_is_reported_with_its_file_and_line()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n{\"id\":\"b\",");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

        Assert.Equal(2, ex.Location.Line);
        Assert.StartsWith($"{path}:2: not valid JSON:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_ids_are_an_error_naming_both_places()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\"}\n{\"id\":\"b\",\"input\":\"y\"}\n{\"id\":\"a\",\"input\":\"z\"}");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

        Assert.Equal($"{path}:3: id: duplicate datapoint id 'a' (first seen at {path}:1); ids must be unique", ex.Message);
    }

    [Fact]
    public async Task Missing_ids_are_derived_from_the_content_and_stay_the_same_when_the_file_is_reordered()
    {
        using var dir = new TempDirectory();
        var first = await ReadAsync(dir.File("one.jsonl", "{\"input\":\"alpha\"}\n{\"input\":\"beta\"}"));
        var second = await ReadAsync(dir.File("two.jsonl", "{\"input\":\"beta\"}\n{\"input\":\"alpha\"}"));

        Assert.Matches("^dp-[0-9a-f]{12}$", first[0].Id);
        Assert.NotEqual(first[0].Id, first[1].Id);
        Assert.Equal(first[0].Id, second[1].Id);
        Assert.Equal(first[1].Id, second[0].Id);
    }

    [Fact]
    public async Task An_unknown_field_is_named_with_a_suggestion()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\",\"expectd\":\"y\"}");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

        Assert.Equal($"{path}:1: expectd: unknown field 'expectd' (did you mean 'expected'?) (put extra data under 'context')", ex.Message);
    }

    [Fact]
    public async Task An_unknown_role_is_reported_with_the_message_index()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.jsonl", "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"bot\",\"content\":\"y\"}]}");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

        Assert.Equal("messages[1].role", ex.Location.Field);
        Assert.Contains("unknown role 'bot'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_JSON_dataset_is_streamed_and_an_error_names_the_line_of_the_bad_datapoint()
    {
        using var dir = new TempDirectory();
        var good = await ReadAsync(dir.File("good.json", """[{"id": "a", "input": "x"}, {"id": "b", "input": "y"}]"""));
        var bad = dir.File("bad.json", "[\n  {\"id\": \"a\", \"input\": \"x\"},\n  {\"id\": \"b\"}\n]");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(bad));

        Assert.Equal(["a", "b"], good.Select(d => d.Id));
        Assert.Equal(3, ex.Location.Line);
        Assert.Contains("needs 'messages'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_YAML_dataset_may_be_a_list_or_a_datapoints_mapping_and_keeps_scalar_types()
    {
        using var dir = new TempDirectory();
        var list = await ReadAsync(dir.File("list.yaml", """
            - id: a
              input: "2+2?"
              expected: 4
              context: {strict: true}
            - id: b
              messages:
                - {role: human, content: Hi}
            """));
        var mapping = await ReadAsync(dir.File("map.yml", "datapoints:\n  - input: hello\n"));

        Assert.Equal(["a", "b"], list.Select(d => d.Id));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, list[0].Expected!.Value.ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.True, list[0].Context["strict"].ValueKind);
        Assert.Equal(5, list[1].Location!.Value.Line);
        Assert.Equal("hello", Assert.Single(mapping).Input);
    }

    [Fact]
    public async Task A_broken_YAML_dataset_is_reported_with_line_and_column()
    {
        using var dir = new TempDirectory();
        var mapping = dir.File("mapping.yaml", "- id: a\n  input: x\n- id: b\n  input: a: b\n");
        var unclosed = dir.File("unclosed.yaml", "- id: a\n  input: x\n- id: b\n  input: [unclosed\n- id: c\n");

        var mappingError = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(mapping));
        var unclosedError = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(unclosed));

        Assert.Equal((4, 11), (mappingError.Location.Line, mappingError.Location.Column));
        Assert.Contains("not valid YAML", mappingError.Message, StringComparison.Ordinal);
        Assert.Equal($"{unclosed}:3: not valid YAML in the datapoint that starts here (an unclosed [, {{ or quote?)", unclosedError.Message);
    }

    [Fact]
    public async Task A_CSV_dataset_reads_id_input_expected_tags_and_context_columns_with_quoted_newlines()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.csv", "id,input,expected,tags,context.topic\na,\"line one\nline two\",yes,math;easy,algebra\nb,plain,,,\n");

        var datapoints = await ReadAsync(path);

        Assert.Equal("line one\nline two", datapoints[0].Input);
        Assert.Equal("yes", datapoints[0].ExpectedText);
        Assert.Equal(["math", "easy"], datapoints[0].Tags);
        Assert.Equal("algebra", datapoints[0].Context["topic"].GetString());
        Assert.Null(datapoints[1].Expected);
        Assert.Equal(4, datapoints[1].Location!.Value.Line);
    }

    [Fact]
    public async Task A_CSV_dataset_may_give_messages_instead_of_input_and_its_errors_say_so()
    {
        using var dir = new TempDirectory();
        var good = dir.File("good.csv", "id,messages\na,\"[{\"\"role\"\": \"\"user\"\", \"\"content\"\": \"\"hi\"\"}]\"\n");
        var bad = dir.File("bad.csv", "id,mesages\na,x\n");

        var datapoint = Assert.Single(await ReadAsync(good));
        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(bad));

        Assert.Equal("hi", datapoint.Messages.Single().Text);
        var neither = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(dir.File("neither.csv", "id,expected\na,x\n")));

        Assert.Contains("unknown column 'mesages' (did you mean 'messages'?) (columns are id, input or messages, expected,", ex.Message, StringComparison.Ordinal);
        Assert.Contains("a CSV dataset needs an 'input' or a 'messages' column", neither.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_CSV_dataset_with_an_unknown_column_names_the_column()
    {
        using var dir = new TempDirectory();
        var path = dir.File("cases.csv", "id,inptu\na,x\n");

        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync(path));

        Assert.Equal($"{path}:1:2: inptu: unknown column 'inptu' (did you mean 'input'?) (columns are id, input or messages, expected, tags, expected_tool_calls, tool_results, context.NAME and the log fields generated_response, model, latency_ms, input_tokens, output_tokens, cost_usd, timestamp, steps, trace_id, span_id, response_id; map other names with the suite's fields:)", ex.Message);
    }

    [Fact]
    public async Task A_missing_dataset_file_is_an_error_naming_it()
    {
        var ex = await Assert.ThrowsAsync<DatasetException>(() => ReadAsync("/nonexistent/cases.jsonl"));

        Assert.Equal("/nonexistent/cases.jsonl: dataset file not found", ex.Message);
    }
}
