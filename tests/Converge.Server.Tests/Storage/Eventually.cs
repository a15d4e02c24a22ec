namespace Converge.Server.Tests.Storage;

/// <summary>Waits for a condition that background work makes true (checked every few ms, 20 s at most).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what)
    {
        if (!await WithinAsync(condition, TimeSpan.FromSeconds(20)))
        {
            throw new Xunit.Sdk.XunitException($"Timed out waiting until {what}.");
        }
    }

    public static async Task<bool> WithinAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(5);
        }

        return true;
    }
}
