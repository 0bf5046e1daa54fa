using Microsoft.AspNetCore.SignalR.Client;

namespace SmartCommunity.Testing;

public static class HubConnectionExtensions
{
    /// <summary>Starts and waits until the hub has put the connection into its groups (the Subscribed event):
    /// StartAsync alone returns at the handshake, before that, and a push in between would be missed.</summary>
    public static async Task StartSubscribedAsync(this HubConnection connection)
    {
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.On(connection, "Subscribed", () => subscribed.TrySetResult());
        await connection.StartAsync();
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
