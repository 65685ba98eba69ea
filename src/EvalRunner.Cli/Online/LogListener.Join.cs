using EvalRunner.Online;

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

    /// <summary>Ends the calls whose time to wait is over; a busy listener or a full queue leaves them for the next sweep.</summary>
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
            if (plan.IsEmpty || plan.Logs.Count > 0 && await _intake.AcceptAsync(plan.Logs, CancellationToken.None).ConfigureAwait(false) != IntakeResult.Stored)
            {
                return;
            }

            _join.Commit(plan);
            Tell(plan);
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
