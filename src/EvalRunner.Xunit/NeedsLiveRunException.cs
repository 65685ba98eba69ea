using Xunit.v3;

namespace EvalRunner.Xunit;

/// <summary>
/// In replay mode, a datapoint whose calls are not in the response cache: xunit reports its case as skipped (by the
/// dynamic skip message), neither passed nor failed.
/// </summary>
internal sealed class NeedsLiveRunException(string reason) : Exception(DynamicSkipToken.Value + reason);
