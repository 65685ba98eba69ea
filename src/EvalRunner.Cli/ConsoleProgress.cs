using System.Globalization;
using EvalRunner.Results;
using EvalRunner.Runs;

namespace EvalRunner.Cli;

/// <summary>
/// Progress while a suite runs: rows done of the total, rate, time left, errors and cost so far, and the calls allowed
/// at once. On a terminal one line redrawn in place (at most ten times a second); without one (CI logs) a plain line
/// at most every five seconds, and one when the last row is done.
/// </summary>
internal sealed class ConsoleProgress(TextWriter output, bool live, TimeProvider time) : IRunObserver
{
    private static readonly TimeSpan LiveEvery = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(5);
    private Func<int>? _concurrency;
    private DateTimeOffset _start;
    private DateTimeOffset _lastDraw;
    private bool _started;
    private int _total;
    private int _done;
    private int _passed;
    private int _failed;
    private int _errors;
    private double _costUsd;
    private int _lastWidth;

    /// <summary>Progress on the console: live when standard output is a terminal.</summary>
    public ConsoleProgress()
        : this(Console.Out, !Console.IsOutputRedirected, TimeProvider.System)
    {
    }

    public void Started(int total) => Started(total, () => 0);

    public void Started(int total, Func<int> concurrency)
    {
        _total = total;
        _concurrency = concurrency;
        _start = _lastDraw = time.GetUtcNow();
        _started = true;
        output.WriteLine($"  {total} rows to run");
    }

    public void RowFinished(Row row)
    {
        // Rows kept from an interrupted run (--resume) are reported before the run starts: they are not in the total.
        if (!_started)
        {
            return;
        }

        _done++;
        _costUsd += Spent.Cost(row);
        switch (row.Outcome)
        {
            case Outcome.Pass:
                _passed++;
                break;
            case Outcome.Fail:
                _failed++;
                break;
            default:
                _errors++;
                break;
        }

        var now = time.GetUtcNow();
        if (now - _lastDraw < (live ? LiveEvery : PlainEvery) && _done != _total)
        {
            return;
        }

        _lastDraw = now;
        var line = Line(now);
        if (live)
        {
            // Spaces over what a longer line before left on the terminal.
            output.Write($"\r  {Bar()} {line}{new string(' ', Math.Max(0, _lastWidth - line.Length))}");
            _lastWidth = line.Length;
        }
        else
        {
            output.WriteLine($"  {line}");
        }
    }

    public void Finish()
    {
        if (live && _done > 0)
        {
            output.WriteLine();
        }
    }

    /// <summary>The progress as one line: <c>1200/10000 rows  37.5 rows/s  ETA 3m54s  passed … errors 3  $0.42  concurrency 48</c>.</summary>
    internal string Line(DateTimeOffset now)
    {
        var elapsed = now - _start;
        var rate = elapsed > TimeSpan.Zero ? _done / elapsed.TotalSeconds : 0;
        var left = _total - _done;
        var eta = left <= 0 ? "0s" : rate > 0 ? Duration(TimeSpan.FromSeconds(left / rate)) : "?";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{_done}/{_total} rows  {rate:0.0} rows/s  ETA {eta}  passed {_passed}  failed {_failed}  errors {_errors}  cost {ValueText.Usd(_costUsd)}  concurrency {_concurrency?.Invoke() ?? 0}  {Duration(elapsed)}");
    }

    private static string Duration(TimeSpan exact) => TimeSpan.FromSeconds(Math.Round(exact.TotalSeconds)) is var span && span.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m")
        : span.TotalMinutes >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m{span.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0}s");

    private string Bar()
    {
        const int width = 24;
        var filled = _total == 0 ? width : _done * width / _total;
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}
