namespace EvalRunner.Cli.Online;

/// <summary>The address of <c>watch --metrics</c> cannot be listened on (a port in use, an address not of this machine).</summary>
internal sealed class MetricsEndpointException(string message, Exception? inner = null) : EvalRunnerException(message, inner);
