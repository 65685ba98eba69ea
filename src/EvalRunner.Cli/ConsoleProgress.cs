using System.Diagnostics;
using EvalRunner.Runs;

namespace EvalRunner.Cli;

/// <summary>Progress while a suite runs: a live line on a terminal, a line per tenth when output is redirected (CI logs).</summary>
internal sealed class ConsoleProgress : IRunObserver
{
    private readonly bool _live = !Console.IsOutputRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _total;
    private int _done;
    private int _passed;
    private int _failed;
    private int _errors;
    private int _lastTenth;
    private TimeSpan _lastDraw;

    public void Started(int total)
    {
        _total = total;
        Console.WriteLine($"  {total} rows to run");
    }

    public void RowFinished(Row row)
    {
        _done++;
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

        if (_live)
        {
            if (_clock.Elapsed - _lastDraw > TimeSpan.FromMilliseconds(100) || _done == _total)
            {
                _lastDraw = _clock.Elapsed;
                Console.Write($"\r  {Bar()} {_done}/{_total}  passed {_passed}  failed {_failed}  errors {_errors}  {_clock.Elapsed.TotalSeconds:0.0}s ");
            }
        }
        else if (_total > 0 && _done * 10 / _total > _lastTenth)
        {
            _lastTenth = _done * 10 / _total;
            Console.WriteLine($"  {_done}/{_total} rows  passed {_passed}  failed {_failed}  errors {_errors}  {_clock.Elapsed.TotalSeconds:0.0}s");
        }
    }

    public void Finish()
    {
        if (_live && _done > 0)
        {
            Console.WriteLine();
        }
    }

    private string Bar()
    {
        const int width = 24;
        var filled = _total == 0 ? width : _done * width / _total;
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}
