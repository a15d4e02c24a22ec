namespace Converge.Testing.Faults;

/// <summary>Which way bytes travel through a <see cref="FaultProxy"/>. A flags enum so one call can target both.</summary>
[Flags]
public enum ProxyDirections
{
    /// <summary>Neither direction.</summary>
    None = 0,

    /// <summary>From the connecting peer (the client) to the target (the server): requests, uplink frames.</summary>
    ClientToServer = 1,

    /// <summary>From the target (the server) back to the client: responses, acks, pushed changes.</summary>
    ServerToClient = 2,

    /// <summary>Both directions.</summary>
    Both = ClientToServer | ServerToClient,
}
