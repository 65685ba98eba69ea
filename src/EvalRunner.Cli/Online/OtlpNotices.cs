namespace EvalRunner.Cli.Online;

/// <summary>
/// The console lines of the OTLP listener: what it did not evaluate and why. Each kind of notice (a reason and a
/// client) is said at once the first time, then at most once a minute with the count since the last line, so a
/// service sending thousands of spans without content makes one line a minute, not one per span.
/// </summary>
internal sealed class OtlpNotices(TimeProvider time, Action<string>? write)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private const int MaxKinds = 1_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Notice> _notices = new(StringComparer.Ordinal);

    /// <summary>Counts <paramref name="count"/> more of a kind; <paramref name="text"/> makes the line from the count to say.</summary>
    public void Say(string kind, int count, Func<int, string> text)
    {
        if (write is null || count <= 0)
        {
            return;
        }

        string? line = null;
        lock (_lock)
        {
            if (!_notices.TryGetValue(kind, out var notice))
            {
                if (_notices.Count >= MaxKinds)
                {
                    foreach (var quiet in _notices.Where(n => n.Value.Pending == 0).Select(n => n.Key).ToList())
                    {
                        _notices.Remove(quiet);
                    }
                }

                notice = new Notice();
                _notices[kind] = notice;
            }

            notice.Pending += count;
            notice.Text = text;
            if (notice.Said is not { } said || time.GetUtcNow() - said >= Interval)
            {
                line = notice.Take(time.GetUtcNow());
            }
        }

        if (line is not null)
        {
            write(line);
        }
    }

    /// <summary>Says the counts held back whose minute is over.</summary>
    public void SayDue()
    {
        if (write is null)
        {
            return;
        }

        List<string> lines = [];
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var notice in _notices.Values)
            {
                if (notice.Pending > 0 && now - notice.Said >= Interval)
                {
                    lines.Add(notice.Take(now));
                }
            }
        }

        foreach (var line in lines)
        {
            write(line);
        }
    }

    private sealed class Notice
    {
        public DateTimeOffset? Said { get; set; }

        public int Pending { get; set; }

        public Func<int, string> Text { get; set; } = _ => string.Empty;

        public string Take(DateTimeOffset now)
        {
            var line = Text(Pending);
            Pending = 0;
            Said = now;
            return line;
        }
    }
}
