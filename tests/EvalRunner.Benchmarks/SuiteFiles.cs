using System.Globalization;
using EvalRunner.Testing;

namespace EvalRunner.Benchmarks;

/// <summary>The benchmark's suite and dataset, written into a folder of its own.</summary>
internal static class SuiteFiles
{
    /// <summary>The pipeline's Python evaluator: a few string checks, as the reference document's main() does.</summary>
    private const string PythonMain = """
            def main(input, output, context, full_history, generated_response, **kwargs):
                text = generated_response or ""
                return {
                    "correct_answer": output["content"].strip().lower() in text.lower(),
                    "response_length": len(text.split()),
                }
        """;

    /// <summary>
    /// Writes <c>NAME/cases.jsonl</c> (streamed: a million datapoints never sit in memory) and <c>NAME/bench.eval.yaml</c>:
    /// generation and five built-in evaluators; with <paramref name="pipeline"/> also an LLM judge on the same server and a
    /// Python evaluator with <paramref name="workers"/> workers.
    /// </summary>
    public static string Write(TempDirectory work, string name, int n, int concurrency, Uri baseUrl, bool pipeline = false, int workers = 0)
    {
        var folder = Path.Combine(work.Path, name);
        Directory.CreateDirectory(folder);
        using (var data = new StreamWriter(Path.Combine(folder, "cases.jsonl")))
        {
            for (var i = 0; i < n; i++)
            {
                // One datapoint in twenty expects a word the echoing server will not say.
                var expected = i % 20 == 0 ? "absent" : $"topic{i % 97}";
                data.Write(string.Create(CultureInfo.InvariantCulture, $$"""{"id":"dp-{{i}}","input":"Tell me about topic{{i % 97}} please, question {{i}}.","expected":"{{expected}}","tags":["t{{i % 5}}"]}"""));
                data.Write('\n');
            }
        }

        var judge = pipeline
            ? $$"""
                judge:
                  provider: openai
                  model: judge-model
                  base_url: {{baseUrl}}
                  api_key: bench-key
                """
            : string.Empty;
        var evaluators = pipeline
            ? $$"""
                  - name: helpfulness
                    type: llm
                    prompt: "Rate the answer to {input.content} from 1 to 5: {generated_response}"
                    output_schema: {score: integer}
                  - name: quality
                    type: python
                    workers: {{(workers > 0 ? workers : Environment.ProcessorCount)}}
                    columns: {correct_answer: bool, response_length: integer}
                    code: |
                {{string.Join('\n', PythonMain.Split('\n').Select(line => "      " + line))}}
                """
            : string.Empty;
        var thresholds = pipeline
            ? """
                  - mean(helpfulness.score) >= 3
                  - mean(quality.correct_answer) >= 0.5
                """
            : string.Empty;
        return work.File($"{name}/bench.eval.yaml", $$"""
            name: bench
            dataset: cases.jsonl
            models:
              - name: bench
                provider: openai
                model: bench-model
                base_url: {{baseUrl}}
                api_key: bench-key
            {{judge}}
            evaluators:
              - name: answers
                type: contains
              - type: not-contains
                values: [ERROR]
              - type: regex
                pattern: You said
              - type: length
              - type: latency
            {{evaluators}}
            thresholds:
              - length.words <= 200
              - mean(answers.passed) >= 0.5
              - p95(latency.ms) <= 10000
            {{thresholds}}
            run:
              concurrency: {{concurrency}}
              timeout: 60s
            """);
    }
}
