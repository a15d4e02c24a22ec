using Converge.Server.Tests.Storage;

namespace Converge.Server.Tests.Sessions;

/// <summary>What the welcome tells a client about the session's limits.</summary>
public sealed class WelcomeTests
{
    [Theory]
    [InlineData(4096, 1024, 512)] // the defaults: half the queue, so a full window's acks never fill it
    [InlineData(100, 1024, 100)] // the hard limit when it is lower
    [InlineData(4096, 16, 8)]
    public async Task The_welcome__announces_how_many_changes_may_be_unanswered_below_both_the_pending_limit_and_half_the_session_queue(
        int maxPending, int queueCapacity, int announced)
    {
        await using var target = await StoreTarget.CreateAsync(StoreKind.Sqlite);
        await using var server = await AuthorityHarness.StartAsync(target, o =>
        {
            o.MaxPendingChangesPerClient = maxPending;
            o.SessionQueueCapacity = queueCapacity;
        });

        var (session, welcome) = await server.HelloAsync("client");
        Assert.Equal(announced, welcome.MaxPendingChanges);
        await session.EndAsync();
    }
}
