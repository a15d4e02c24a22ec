using Converge.Client.Connection;
using Converge.Client.Reconnection;
using Converge.Client.Tests.Fakes;
using Converge.Client.Transports;
using Microsoft.Extensions.Time.Testing;

namespace Converge.Client.Tests.Connection;

public sealed class ClientConnectionTests
{
    [Fact]
    public void Failing_a_connection_that_was_already_disposed__does_nothing_instead_of_throwing()
    {
        // A heartbeat timeout can fire on a timer thread just as the connection is torn down; an exception there
        // would end the process (seen in the randomized soak).
        var connection = new ClientConnection(new ScriptedServer().Create(TransportKind.WebSocket), TransportKind.WebSocket, new FakeTimeProvider());
        connection.Dispose();

        connection.Fail(new ConnectionFailure(FailureKind.Timeout, "late heartbeat"), TimeSpan.Zero);

        Assert.Equal("late heartbeat", connection.CloseRequest?.Reason);
    }
}
