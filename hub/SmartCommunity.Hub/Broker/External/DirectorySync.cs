using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Devices;

namespace SmartCommunity.Hub.Broker.External;

/// <summary>
/// With an external broker several instances share one database: changes made through another instance (a new
/// secret restarts the device's sequence, a revocation, a move) reach this instance's device cache at this interval.
/// </summary>
public sealed class DirectorySync(DeviceDirectory directory, IOptions<BrokerOptions> options, TimeProvider time, ILogger<DirectorySync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.External.DirectoryRefreshInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await directory.RefreshAllAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not refresh the device directory from the database; will retry");
                }
            }
        }
        catch (OperationCanceledException) { }
    }
}
