namespace EvalRunner.Cli.Online;

/// <summary>Why a GenAI call was not evaluated, or was evaluated with less than a whole call.</summary>
internal enum GenAIMissing
{
    /// <summary>Nothing is missing (or the call still waits for its other parts).</summary>
    None,

    /// <summary>A chat span without messages, and no log events for it arrived.</summary>
    SpanContent,

    /// <summary>Log events arrived, but without message text or without the completion.</summary>
    EventContent,

    /// <summary>Log events evaluated without their span: no model, tokens or latency.</summary>
    Span,

    /// <summary>A log event that arrived after its call ended: left out of the call's log (counted per event).</summary>
    LateEvent,
}
