using Converge.IntegrationTests.Infrastructure;

namespace Converge.IntegrationTests.Browser;

/// <summary>One board host for a test class; each scenario uses its own document (board), so they never see each other.</summary>
public sealed class BoardHostFixture : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private BoardHost? _host;

    internal BoardHost Host => _host ?? throw new InvalidOperationException("The board host has not started.");

    public async ValueTask InitializeAsync() => _host = await BoardHost.StartAsync(_temp.File("board.db"));

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _temp.Dispose();
    }
}
