using Converge.Protocol;

namespace Converge.Server.Sessions;

/// <summary>Why a session closed: the close code the transport sends and a short reason.</summary>
internal sealed record SessionClose(ConvergeCloseCode Code, string Reason);
