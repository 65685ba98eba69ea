using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace EvalRunner.Datasets;

/// <summary>
/// Reads a JSONL file one line at a time, for datasets and score files alike: strict UTF-8, each non-blank line one
/// JSON value without lone surrogate escapes. A bad line is a <see cref="DatasetException"/> naming file and line; with
/// a <see cref="ProblemList"/> it is added there and reading goes on with the next line.
/// </summary>
internal static class JsonlReader
{
    /// <param name="path">The file to open.</param>
    /// <param name="shown">The file as locations name it.</param>
    /// <param name="problems">Where bad lines go; null to throw at the first.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    public static async IAsyncEnumerable<JsonRow> ReadAsync(
        string path, string shown, ProblemList? problems, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = Open(path, shown);
        var line = 0;
        while (true)
        {
            string? text;
            try
            {
                text = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (InputFile.IsReadFailure(ex))
            {
                // The reader cannot go on after bytes it could not decode.
                Report(problems, new DatasetException(InputFile.Locate(path, ex) with { File = shown }, InputFile.Describe(ex), ex));
                yield break;
            }

            if (text is null)
            {
                yield break;
            }

            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var location = new SourceLocation(shown, line);
            var document = Parse(text, location, problems);
            if (document is null)
            {
                continue;
            }

            using (document)
            {
                yield return new JsonRow(document.RootElement, location);
            }
        }
    }

    /// <summary>Opens the file, naming it in the error when it cannot be.</summary>
    internal static StreamReader Open(string path, string shown)
    {
        try
        {
            return InputFile.OpenText(path);
        }
        catch (Exception ex) when (InputFile.IsReadFailure(ex))
        {
            throw new DatasetException(new SourceLocation(shown, 0), InputFile.Describe(ex), ex);
        }
    }

    internal static void Report(ProblemList? problems, DatasetException problem)
    {
        if (problems is null)
        {
            throw problem;
        }

        problems.Add(problem);
    }

    private static JsonDocument? Parse(string text, SourceLocation location, ProblemList? problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = Nesting.MaxDatapointDepth });
        }
        catch (JsonException ex) when (Nesting.FindTooDeep(Encoding.UTF8.GetBytes(text), Nesting.MaxDatapointDepth) is not null)
        {
            Report(problems, new DatasetException(location, Nesting.DatapointTooDeep, ex));
            return null;
        }
        catch (JsonException ex)
        {
            Report(problems, new DatasetException(location, $"not valid JSON: {ex.Message.Split(" Path:")[0]} (each line must be one JSON object)", ex));
            return null;
        }

        if (text.Contains("\\u", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                JsonStrings.Check(document.RootElement, location);
            }
            catch (DatasetException ex)
            {
                document.Dispose();
                Report(problems, ex);
                return null;
            }
        }

        return document;
    }
}
