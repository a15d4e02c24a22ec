using Converge.Protocol;

namespace Converge.Client.Transports;

/// <summary>How a transport's connection ended: the close code when there was a close frame, and why. HTTP transports that
/// saw a classified failure (a poll answered 401, 429 with Retry-After, 503) keep it in <paramref name="Failure"/>.</summary>
internal sealed record TransportClose(ConvergeCloseCode? Code, string Reason, Reconnection.ConnectionFailure? Failure = null);
