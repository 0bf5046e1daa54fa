namespace SmartCommunity.Simulator.Tests.Mqtt;

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails after a deadline (a bound, not an assertion on time).</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Polls an asynchronous probe until it returns a value; fails after a deadline.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, string what, CancellationToken cancellationToken, TimeSpan? timeout = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(20, cancellationToken);
        }
    }
}
