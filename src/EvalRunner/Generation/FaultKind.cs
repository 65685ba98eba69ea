namespace EvalRunner.Generation;

/// <summary>What a provider's failed call means for the run: sent again (after a wait) or said once.</summary>
internal enum FaultKind
{
    /// <summary>A 429 that asks the run to slow down; sent again after the wait it asks for.</summary>
    RateLimit,

    /// <summary>The account has no quota or credit left; not sent again.</summary>
    Quota,

    /// <summary>The key was refused (401) or may not use this model or endpoint (403); not sent again.</summary>
    Auth,

    /// <summary>The model or endpoint does not exist; not sent again.</summary>
    NotFound,

    /// <summary>The provider rejected the request (400, 422...); not sent again.</summary>
    BadRequest,

    /// <summary>The prompt is longer than the model's context; not sent again.</summary>
    ContextLength,

    /// <summary>A 5xx, a 408, an overloaded provider or a dropped connection; sent again.</summary>
    ServerError,

    /// <summary>The request took longer than <c>run.request_timeout</c>; sent again.</summary>
    Timeout,

    /// <summary>A success status whose body holds no usable answer; sent again.</summary>
    Unusable,
}
