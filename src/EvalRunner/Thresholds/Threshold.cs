using System.Globalization;
using System.Text.RegularExpressions;
using EvalRunner.Evaluators;
using EvalRunner.Results;

namespace EvalRunner.Thresholds;

/// <summary>
/// A rule over an evaluator column. Per-datapoint (<c>length.words &lt;= 120</c>) it decides each datapoint;
/// aggregate (<c>mean(contains.passed) &gt;= 0.9</c>) it decides the run, per model config.
/// </summary>
internal sealed partial record Threshold
{
    /// <summary>The rule as written.</summary>
    public required string Text { get; init; }

    /// <summary>The aggregate function, or null for a per-datapoint rule.</summary>
    public AggregateFunction? Function { get; init; }

    /// <summary>The column, <c>evaluator.column</c>.</summary>
    public required string ColumnName { get; init; }

    /// <summary>The comparison: <c>==</c>, <c>!=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>.</summary>
    public required string Operator { get; init; }

    /// <summary>What the value is compared with: a <see cref="double"/>, a <see cref="bool"/> or a <see cref="string"/>.</summary>
    public required object Expected { get; init; }

    /// <summary>True for a rule that decides the run rather than one datapoint.</summary>
    public bool IsAggregate => Function is not null;

    /// <summary>Parses a rule and checks it against the columns the suite's evaluators return.</summary>
    /// <exception cref="FormatException">The rule is malformed, names an unknown column, or does not fit the column's type.</exception>
    internal static Threshold Parse(string text, IReadOnlyDictionary<string, Column> columns)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(columns);
        IntervalBound? bound = null;
        var rule = text;
        if (BoundRule().Match(text) is { Success: true } bounded)
        {
            bound = Enum.Parse<IntervalBound>(bounded.Groups["bound"].Value, ignoreCase: true);
            rule = bounded.Groups["inner"].Value + bounded.Groups["rest"].Value;
        }

        var match = Rule().Match(rule);
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not a rule; write 'evaluator.column OP value' (length.words <= 120) or 'function(evaluator.column) OP value' (mean(contains.passed) >= 0.9), or a bound of its interval (lower(rate(contains.passed)) >= 0.8)");
        }

        AggregateFunction? function = null;
        if (match.Groups["fn"].Success)
        {
            var name = match.Groups["fn"].Value;
            if (Enum.TryParse<IntervalBound>(name, ignoreCase: true, out _))
            {
                throw new FormatException($"'{text}': {name.ToLowerInvariant()}() takes an aggregate, not a column: {name.ToLowerInvariant()}(rate({match.Groups["col"].Value})) or {name.ToLowerInvariant()}(mean({match.Groups["col"].Value}))");
            }

            function = Enum.TryParse<AggregateFunction>(name, ignoreCase: true, out var parsed) && !char.IsDigit(name[0])
                ? parsed
                : throw new FormatException($"'{text}': unknown function '{name}'{Suggest.DidYouMean(name, FunctionNames)}; use {string.Join(", ", FunctionNames)}");
        }

        var columnName = match.Groups["col"].Value;
        if (!columns.TryGetValue(columnName, out var column))
        {
            throw new FormatException($"'{text}': unknown column '{columnName}'{Suggest.DidYouMean(columnName, columns.Keys)}; known columns: {string.Join(", ", columns.Keys.Where(k => !k.StartsWith(Results.LogColumns.Evaluator + ".", StringComparison.Ordinal) && !k.StartsWith(Results.OutcomeColumns.Evaluator + ".", StringComparison.Ordinal)))} (and log.truncated, log.refused, log.filtered, log.truncated_output, log.max_steps, outcome.passed)");
        }

        var op = match.Groups["op"].Value;
        var literal = match.Groups["value"].Value.Trim();
        if (function is null && columnName.StartsWith(Results.OutcomeColumns.Evaluator + ".", StringComparison.Ordinal))
        {
            throw new FormatException($"'{text}': {columnName} is the row's own outcome; use it in an aggregate rule such as rate({columnName}) >= 0.9");
        }

        if (BaselineTerm.TryParse(text, literal) is { } term)
        {
            if (bound is { } baselineBound)
            {
                throw new FormatException($"'{text}': {baselineBound.ToString().ToLowerInvariant()}() compares a bound with a number, not with the baseline; a baseline rule already tests whether the change is significant");
            }

            return Regression(text, function, columnName, column, op, term);
        }

        var expected = function is null ? PerDatapointValue(text, column, op, literal) : AggregateValue(text, function.Value, column, literal);
        var threshold = new Threshold { Text = text.Trim(), Function = function, ColumnName = columnName, Operator = op, Expected = expected, Bound = bound };
        if (bound is { } end && !threshold.HasInterval)
        {
            throw new FormatException($"'{text}': {function!.Value.ToString().ToLowerInvariant()}() has no confidence interval; {end.ToString().ToLowerInvariant()}() applies to mean, rate, p50, p90, p95 and p99");
        }

        return threshold;
    }

    /// <summary>The column a rule names (<c>evaluator.column</c>); null when the text is not a rule.</summary>
    internal static string? ColumnOf(string text)
    {
        var rule = BoundRule().Match(text) is { Success: true } bounded ? bounded.Groups["inner"].Value + bounded.Groups["rest"].Value : text;
        return Rule().Match(rule) is { Success: true } match ? match.Groups["col"].Value : null;
    }

    /// <summary>Whether one datapoint's value satisfies a per-datapoint rule; a missing value never does.</summary>
    internal bool IsSatisfiedBy(object? value) => value switch
    {
        null => false,
        bool flag when Expected is bool wanted => Operator == "==" ? flag == wanted : flag != wanted,
        string text when Expected is string wanted => Operator == "==" ? text == wanted : text != wanted,
        _ => ColumnValues.ToDouble(value) is { } number && Compare(number),
    };

    /// <summary>Whether an aggregate value satisfies the rule; no value (nothing measured) never does.</summary>
    internal bool IsSatisfiedBy(double? aggregate) => aggregate is { } number && Compare(number);

    /// <summary>
    /// Folds the values of every row of one model config. <paramref name="values"/> has one entry per row,
    /// null where the row has no value (an error); returns null when there is nothing to aggregate.
    /// </summary>
    internal double? Aggregate(IReadOnlyList<double?> values, ColumnType type)
    {
        ArgumentNullException.ThrowIfNull(values);
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        if (values.Count == 0)
        {
            return null;
        }

        return Function switch
        {
            // Error rows stay in the denominator so that failures cannot raise a rate.
            AggregateFunction.Rate => present.Sum() / values.Count,
            AggregateFunction.Mean when type == ColumnType.Bool => present.Sum() / values.Count,
            AggregateFunction.Count => type == ColumnType.Bool ? present.Sum() : present.Count,
            _ when present.Count == 0 => null,
            AggregateFunction.Mean => present.Average(),
            AggregateFunction.Min => present.Min(),
            AggregateFunction.Max => present.Max(),
            AggregateFunction.Sum => present.Sum(),
            AggregateFunction.P50 => Percentile(present, 0.50),
            AggregateFunction.P90 => Percentile(present, 0.90),
            AggregateFunction.P95 => Percentile(present, 0.95),
            AggregateFunction.P99 => Percentile(present, 0.99),
            _ => null,
        };
    }

    private static double Percentile(List<double> values, double p)
    {
        values.Sort();
        return Statistics.Intervals.Quantile(values, p);
    }

    private bool Compare(double number) => Compare(number, Expected switch { bool flag => flag ? 1 : 0, double d => d, _ => double.NaN });

    private bool Compare(double number, double wanted) =>
        Operator switch
        {
            "==" => number == wanted,
            "!=" => number != wanted,
            "<" => number < wanted,
            "<=" => number <= wanted,
            ">" => number > wanted,
            ">=" => number >= wanted,
            _ => false,
        };

    private static object PerDatapointValue(string text, Column column, string op, string literal)
    {
        switch (column.Type)
        {
            case ColumnType.Bool:
                if (op is not ("==" or "!="))
                {
                    throw new FormatException($"'{text}': {column.Name} is a bool column; compare it with == true or == false");
                }

                return literal switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new FormatException($"'{text}': {column.Name} is a bool column; compare it with true or false, not '{literal}'"),
                };
            case ColumnType.String or ColumnType.Choice:
                if (op is not ("==" or "!="))
                {
                    throw new FormatException($"'{text}': {column.Name} is a {column.Type.ToString().ToLowerInvariant()} column; only == and != apply");
                }

                var value = Unquote(literal);
                if (column.Type == ColumnType.Choice && !column.Choices.Contains(value))
                {
                    throw new FormatException($"'{text}': '{value}' is not an option of {column.Name}{Suggest.DidYouMean(value, column.Choices)}; options: {string.Join(", ", column.Choices)}");
                }

                return value;
            default:
                return Number(text, literal);
        }
    }

    private static double AggregateValue(string text, AggregateFunction function, Column column, string literal)
    {
        if (!column.IsNumeric)
        {
            throw new FormatException($"'{text}': {function.ToString().ToLowerInvariant()}() needs a bool, integer or float column; {column.Name} is {column.Type.ToString().ToLowerInvariant()}");
        }

        if (function == AggregateFunction.Rate && column.Type != ColumnType.Bool)
        {
            throw new FormatException($"'{text}': rate() needs a bool column; use mean() for {column.Type.ToString().ToLowerInvariant()} columns");
        }

        return Number(text, literal);
    }

    private static double Number(string text, string literal)
    {
        var percent = literal.EndsWith('%');
        var digits = percent ? literal[..^1] : literal;
        return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? percent ? number / 100 : number
            : throw new FormatException($"'{text}': '{literal}' is not a number");
    }

    private static string Unquote(string literal) =>
        literal.Length >= 2 && (literal[0] is '\'' or '"') && literal[^1] == literal[0] ? literal[1..^1] : literal;

    private static readonly string[] FunctionNames = [.. Enum.GetNames<AggregateFunction>().Select(n => n.ToLowerInvariant())];

    [GeneratedRegex(@"^\s*(?:(?<fn>[A-Za-z][A-Za-z0-9]*)\(\s*(?<col>[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-.]+)\s*\)|(?<col>[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-.]+))\s*(?<op>==|!=|<=|>=|<|>)\s*(?<value>.+?)\s*$")]
    private static partial Regex Rule();

    // lower(f(column)) OP value: the inner aggregate and the comparison, parsed by Rule().
    [GeneratedRegex(@"^\s*(?<bound>lower|upper)\s*\(\s*(?<inner>[A-Za-z][A-Za-z0-9]*\s*\([^()]*\))\s*\)(?<rest>\s*(?:==|!=|<=|>=|<|>).*)$", RegexOptions.IgnoreCase)]
    private static partial Regex BoundRule();
}
