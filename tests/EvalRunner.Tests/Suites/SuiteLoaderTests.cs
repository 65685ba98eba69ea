using EvalRunner.Generation;
using EvalRunner.Suites;
using EvalRunner.Testing;

namespace EvalRunner.Tests.Suites;

public sealed class SuiteLoaderTests
{
    private const string Models = """
        models:
          - name: bot
            provider: command
            command: [python3, bot.py]
        """;

    private static Settings Env(params (string Name, string Value)[] variables) => TestSettings.With(variables);

    /// <summary>Loads and runs the check phase, as every front end does before a run.</summary>
    private static async Task<Suite> LoadAndCheckAsync(string path, Settings settings)
    {
        var suite = SuiteLoader.Load(path, settings);
        await SuiteLoader.CheckAsync(suite, settings, TestContext.Current.CancellationToken);
        return suite;
    }

    private static (TempDirectory Dir, string Path) Suite(string yaml)
    {
        var dir = new TempDirectory();
        dir.File("cases.jsonl", "{\"id\":\"a\",\"input\":\"x\",\"expected\":\"y\"}\n");
        dir.File("bot.py", "print('hi')\n");
        return (dir, dir.File("s.eval.yaml", yaml));
    }

    [Fact]
    public void A_valid_suite_loads_with_its_dataset_models_evaluators_thresholds_and_options()
    {
        var (dir, path) = Suite($$"""
            dataset: cases.jsonl
            {{Models}}
            evaluators:
              - type: contains
                value: hello
              - type: length
            thresholds:
              - contains.passed == true
              - p95(length.words) <= 100
            run:
              concurrency: 8
              timeout: 500ms
              fail_on_error: false
            """);
        using (dir)
        {
            var suite = SuiteLoader.Load(path, Env());

            Assert.Equal("s", suite.Name);
            Assert.EndsWith("cases.jsonl", suite.DatasetPath, StringComparison.Ordinal);
            Assert.Equal("command", Assert.Single(suite.Models).Provider);
            Assert.Equal(["contains", "length"], suite.Evaluators.Select(e => e.Name));
            Assert.Equal([false, true], suite.Thresholds.Select(t => t.IsAggregate));
            Assert.Equal(8, suite.Options.Concurrency);
            Assert.Equal(TimeSpan.FromMilliseconds(500), suite.Options.Timeout);
            Assert.False(suite.Options.FailOnError);
        }
    }

    [Fact]
    public void An_unknown_key_is_reported_with_line_column_and_a_suggestion()
    {
        var (dir, path) = Suite($"dataset: cases.jsonl\n{Models}\nevaluator:\n  - type: length\n");
        using (dir)
        {
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));

            Assert.Equal(
                $"{path}:6:1: evaluator: unknown key 'evaluator' (did you mean 'evaluators'?); allowed here: name, description, dataset, models, judge, prices, evaluators, thresholds, run, online, baseline, tool_results, export",
                ex.Message);
        }
    }

    [Fact]
    public void Broken_YAML_is_reported_with_line_and_column()
    {
        var (dir, path) = Suite("dataset: cases.jsonl\nmodels: [\n  - provider: command\n");
        using (dir)
        {
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));

            Assert.Equal($"{path}:3:3: not valid YAML: While parsing a node, did not find expected node content.", ex.Message);
        }
    }

    [Fact]
    public void A_missing_dataset_file_is_reported_at_the_dataset_key()
    {
        var (dir, path) = Suite($"dataset: missing.jsonl\n{Models}\n");
        using (dir)
        {
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));

            Assert.Equal($"{path}:1:10: dataset: dataset file 'missing.jsonl' not found (looked for {dir.Path}/missing.jsonl)", ex.Message);
        }
    }

    [Fact]
    public void A_threshold_on_an_unknown_column_is_rejected_at_load_time_with_a_suggestion()
    {
        var (dir, path) = Suite($"dataset: cases.jsonl\n{Models}\nevaluators:\n  - type: length\nthresholds:\n  - mean(length.word) <= 10\n");
        using (dir)
        {
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));

            Assert.Equal(
                $"{path}:9:5: thresholds[0]: 'mean(length.word) <= 10': unknown column 'length.word' (did you mean 'length.words'?); known columns: length.chars, length.words, length.lines (and log.truncated, log.refused, log.filtered, log.truncated_output, log.max_steps, outcome.passed)",
                ex.Message);
        }
    }

    [Fact]
    public void A_wrong_type_names_the_field_path()
    {
        var (dir, path) = Suite($"dataset: cases.jsonl\n{Models}\nrun:\n  concurrency: many\n");
        using (dir)
        {
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));

            Assert.Equal($"{path}:7:16: run.concurrency: must be a whole number from 1 to 1024, not 'many'", ex.Message);
        }
    }

    [Fact]
    public void An_unknown_provider_and_an_unknown_evaluator_type_get_suggestions()
    {
        var (dir, path) = Suite("dataset: cases.jsonl\nmodels:\n  - provider: opnai\n    model: x\n");
        var (dir2, path2) = Suite($"dataset: cases.jsonl\n{Models}\nevaluators:\n  - type: contain\n");
        using (dir)
        using (dir2)
        {
            var provider = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));
            var type = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path2, Env()));

            Assert.Contains("models[0].provider: unknown provider 'opnai' (did you mean 'openai'?)", provider.Message, StringComparison.Ordinal);
            Assert.Contains("evaluators[0].type: unknown evaluator type 'contain' (did you mean 'contains'?)", type.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Environment_variables_are_interpolated_in_thresholds_and_a_missing_one_is_an_error_at_its_rule()
    {
        var yaml = """
            dataset: cases.jsonl
            models:
              - {provider: command, command: [python3, bot.py]}
            evaluators:
              - type: length
            thresholds:
              - mean(length.words) <= ${MAX_WORDS}
              - length.chars <= ${MAX_CHARS:-500}
            """;
        var (dir, path) = Suite(yaml);
        using (dir)
        {
            var suite = SuiteLoader.Load(path, Env(("MAX_WORDS", "40")));
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));

            Assert.Equal(["mean(length.words) <= 40", "length.chars <= 500"], suite.Thresholds.Select(t => t.Text));
            Assert.Equal(40.0, suite.Thresholds[0].Expected);
            Assert.Equal($"{path}:7:5: thresholds[0]: environment variable 'MAX_WORDS' is not set (write ${{MAX_WORDS:-default}} to give a default)", ex.Message);
        }
    }

    [Fact]
    public void Environment_variables_are_interpolated_and_a_missing_one_is_an_error()
    {
        var yaml = """
            dataset: cases.jsonl
            models:
              - provider: openai
                model: ${MODEL:-gpt-4o-mini}
                base_url: http://127.0.0.1:9/v1/
                api_key: ${OPENAI_API_KEY}
            """;
        var (dir, path) = Suite(yaml);
        using (dir)
        {
            var settings = Env(("OPENAI_API_KEY", "sk-secret-value"));
            var suite = SuiteLoader.Load(path, settings);
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));

            Assert.Equal("gpt-4o-mini", suite.Models[0].Model);
            Assert.Equal("sk-secret-value", suite.Models[0].ApiKey);
            Assert.Equal("key: ***", settings.Redact("key: sk-secret-value"));
            Assert.Equal($"{path}:6:14: models[0].api_key: environment variable 'OPENAI_API_KEY' is not set (write ${{OPENAI_API_KEY:-default}} to give a default)", ex.Message);
        }
    }

    [Fact]
    public async Task A_command_that_does_not_exist_is_reported_before_the_run()
    {
        var (dir, path) = Suite("dataset: cases.jsonl\nmodels:\n  - provider: command\n    command: ./no-such-program --flag\n");
        using (dir)
        {
            var ex = await Assert.ThrowsAsync<SuiteException>(() => LoadAndCheckAsync(path, Env()));

            Assert.Equal($"{path}:4:14: models[0].command: program './no-such-program' not found (not a file relative to the suite, nor on PATH)", ex.Message);
        }
    }

    [Fact]
    public void An_unknown_template_variable_is_reported_with_the_known_ones()
    {
        var (dir, path) = Suite($"dataset: cases.jsonl\n{Models}\n    template: 'Answer {{input.contnt}}'\n");
        using (dir)
        {
            var ex = Assert.Throws<SuiteException>(() => SuiteLoader.Load(path, Env()));

            Assert.Contains("models[0].template: unknown variable {input.contnt} (did you mean 'input.content'?)", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Inline_datapoints_are_checked_with_their_suite_location()
    {
        var (dir, path) = Suite($"dataset:\n  - id: a\n    input: hi\n  - id: b\n    inptu: hi\n{Models}\n");
        using (dir)
        {
            var ex = Assert.Throws<EvalRunner.DatasetException>(() => SuiteLoader.Load(path, Env()));

            Assert.Equal($"{path}:4:5: dataset[1].inptu: unknown field 'inptu' (did you mean 'input'?) (put extra data under 'context')", ex.Message);
        }
    }
}
