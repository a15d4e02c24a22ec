using Microsoft.AspNetCore.SignalR;

namespace Converge.BenchServer;

/// <summary>The peer a .NET developer would pick: an ASP.NET Core SignalR hub broadcasting to a group (JSON hub protocol, the default).</summary>
internal sealed class BroadcastHub : Hub
{
    public Task Join() => Groups.AddToGroupAsync(Context.ConnectionId, "doc");

    public Task Send(long sentAt, string payload) => Clients.Group("doc").SendAsync("m", sentAt, payload);
}
