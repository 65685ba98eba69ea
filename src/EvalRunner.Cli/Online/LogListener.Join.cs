using EvalRunner.Online;
using EvalRunner.Results;

namespace EvalRunner.Cli.Online;

/// <summary>GenAI chat spans and log events joined into logs (<see cref="GenAIJoin"/>), and what is not evaluated said on the console.</summary>
internal sealed partial class LogListener
{
    /// <summary>
    /// Takes one request's spans and events: the logs they complete are stored before anything changes, so a request
    /// answered 429 (or 413) changes nothing. The plan, or null with the intake's answer when nothing was taken.
    /// </summary>
    private async Task<(GenAIPlan? Plan, IntakeResult Result)> JoinAsync(IReadOnlyList<GenAISpan> spans, IReadOnlyList<GenAIEvent> events, CancellationToken cancellationToken)
    {
        await _joinGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var plan = _join.Offer(spans, events);
            if (plan.Logs.Count > 0 && await _intake.AcceptAsync(plan.Logs, cancellationToken).ConfigureAwait(false) is var result and not IntakeResult.Stored)
            {
                return (null, result);
            }

            _join.Commit(plan);
            Tell(plan);
            return (plan, IntakeResult.Stored);
        }
        finally
        {
            _joinGate.Release();
        }
    }

    /// <summary>
    /// Ends the calls whose time to wait is over and saves the held calls when they changed; a busy listener or a full
    /// queue leaves them for the next sweep.
    /// </summary>
    private async Task SweepAsync()
    {
        if (!await _joinGate.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            _notices.SayDue();
            var plan = _join.Expire(_intake.Capacity);
            if (!plan.IsEmpty && (plan.Logs.Count == 0 || await _intake.AcceptAsync(plan.Logs, CancellationToken.None).ConfigureAwait(false) == IntakeResult.Stored))
            {
                _join.Commit(plan);
                Tell(plan);
            }

            Save(always: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException or ObjectDisposedException)
        {
            // The watcher is stopping or its inbox cannot be written: the calls stay held for the next sweep.
            _notices.Say("sweep", 1, _ => $"watch: GenAI calls joined from spans and log events could not be stored ({e.Message}); they are tried again");
        }
        finally
        {
            _joinGate.Release();
        }
    }

    private string? StatePath => _intake.StateDirectory is { } directory ? Path.Combine(directory, GenAIJoinFile.FileName) : null;

    /// <summary>Holds again the GenAI calls that were waiting when the watcher last stopped; a damaged file is said and left out.</summary>
    private void Restore()
    {
        if (StatePath is not { } path || !File.Exists(path))
        {
            return;
        }

        try
        {
            var (calls, services) = GenAIJoinFile.Read(File.ReadAllText(path));
            _join.Restore(calls, services);
            _eventSequence = calls.SelectMany(c => c.Events).Select(e => e.Sequence).DefaultIfEmpty().Max();
            _saved = _join.Changes;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            var why = e is InvalidDataException ? $"the file is damaged ({e.Message})" : $"the file could not be read ({e.Message})";
            _options.Notice?.Invoke($"watch: {path}: the GenAI calls that were waiting for their span or log events when the watcher stopped are not restored: {why}; "
                + "the file is replaced when the watcher next saves the calls waiting");
        }
    }

    /// <summary>
    /// Writes the held GenAI calls to the state folder (atomically, without awaiting, so a sweep ends before the next
    /// one): when <paramref name="always"/> (the listener stops), else only when they changed since they were last
    /// written. The caller holds the join gate.
    /// </summary>
    private void Save(bool always)
    {
        if (StatePath is not { } path || !always && _join.Changes == _saved)
        {
            return;
        }

        var changes = _join.Changes;
        try
        {
            var text = _intake.Redact(GenAIJoinFile.Write(_join.HeldCalls, _join.ServicesSendingEvents));
            AtomicFile.WriteAllText(path, text);
            _saved = changes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _notices.Say(
                "save",
                1,
                _ => $"watch: {path}: the GenAI calls waiting for their span or log events could not be saved ({e.Message}); they are lost if the watcher stops before they are saved");
        }
    }

    private void Tell(GenAIPlan plan)
    {
        foreach (var group in plan.Said.GroupBy(s => (s.Missing, s.Client)))
        {
            var (missing, client) = group.Key;
            _notices.Say($"{missing}|{client.Describe()}", group.Count(), n => Notice(missing, client, n));
        }
    }

    private string Notice(GenAIMissing missing, GenAIClient client, int count)
    {
        var calls = count == 1 ? "1 GenAI call" : $"{count} GenAI calls";
        var wait = $"{(int)GenAIJoin.HoldFor.TotalSeconds} s";
        var grace = $"{_join.Grace.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} s";
        return missing switch
        {
            GenAIMissing.SpanContent => $"watch: {(count == 1 ? "1 chat span" : $"{count} chat spans")} from {client.Describe()} came without messages"
                + (client.SendsEvents ? $" and no GenAI log events for them arrived within {wait}" : string.Empty)
                + $"; not evaluated. To send them: {client.Advice(Address)}",
            GenAIMissing.EventContent => $"watch: {calls} from {client.Describe()} sent GenAI log events without message text or without the completion; not evaluated. To send them: {client.Advice(Address)}",
            GenAIMissing.Span => $"watch: {calls} from {client.Describe()} evaluated from log events without their span (no chat span with the same trace and span id reached {Address}v1/traces within {wait}): "
                + "model, tokens and latency are unknown; export traces there too",
            GenAIMissing.LateEvent => $"watch: {(count == 1 ? "1 GenAI log event" : $"{count} GenAI log events")} from {client.Describe()} arrived after their call had ended "
                + $"(more than {grace} after it had its span, a prompt and its completion, or {wait} after its first part); not joined to it. "
                + "Export a call's events together, with a batch log processor (BatchLogRecordProcessor) rather than a simple one",
            _ => $"watch: {calls} from {client.Describe()} not evaluated",
        };
    }
}
