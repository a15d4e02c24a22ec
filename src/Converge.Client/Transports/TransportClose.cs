using Converge.Protocol;

namespace Converge.Client.Transports;

/// <summary>How a transport's connection ended: the close code when there was a close frame, and why.</summary>
internal sealed record TransportClose(ConvergeCloseCode? Code, string Reason);
