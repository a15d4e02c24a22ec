namespace Converge.Protocol.Frames;

/// <summary>Client → server, first frame of every connection: who I am and where I left off.</summary>
/// <param name="ProtocolVersion">The protocol version the client speaks (<see cref="ConvergeProtocol.Version"/>).</param>
/// <param name="ClientId">The stable id of this client replica; half of every change's idempotency key.</param>
/// <param name="Token">An access token, when the transport cannot carry one in a header (browsers' WebSocket).</param>
/// <param name="Subscriptions">Documents to (re)subscribe at once, each with its resume cursor.</param>
public sealed record HelloFrame(
    int ProtocolVersion,
    string ClientId,
    string? Token = null,
    IReadOnlyList<Subscription>? Subscriptions = null) : Frame
{
    internal override string? Validate()
    {
        if (FrameRules.ClientId(ClientId) is { } problem)
        {
            return problem;
        }

        if (Subscriptions is null)
        {
            return null;
        }

        return Subscriptions.Count > ConvergeProtocol.MaxHelloSubscriptions
            ? $"hello carries {Subscriptions.Count} subscriptions; the limit is {ConvergeProtocol.MaxHelloSubscriptions}."
            : Subscriptions.Select(static s => s is null ? "subscriptions must not contain null." : s.Validate()).FirstOrDefault(static p => p is not null);
    }
}
