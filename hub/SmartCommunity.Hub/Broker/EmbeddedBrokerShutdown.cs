using MQTTnet.Server;

namespace SmartCommunity.Hub.Broker;

/// <summary>
/// Stops the embedded MQTT server just before MQTTnet's own hosted stop, which then finds it stopped. MQTTnet 5.2's
/// <c>MqttServer.StopAsync</c> can throw <see cref="ObjectDisposedException"/> ("The CancellationTokenSource has been
/// disposed") while it closes every connection and one of them is already tearing itself down — seen in CI when a test
/// hub stopped seconds after it started. Nothing is at stake by then (a device's message is acknowledged only once it is
/// stored), so the race is logged instead of failing the host's shutdown.
/// </summary>
public sealed class EmbeddedBrokerShutdown(MqttServer server, ILogger<EmbeddedBrokerShutdown> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await server.StopAsync(new MqttServerStopOptions());
        }
        catch (ObjectDisposedException e)
        {
            logger.LogInformation("MQTT server stop met a connection that had already closed ({Message})", e.Message);
        }
    }
}
