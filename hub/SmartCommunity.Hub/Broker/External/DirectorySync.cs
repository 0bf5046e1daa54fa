using Microsoft.Extensions.Options;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Hosting;

namespace SmartCommunity.Hub.Broker.External;

/// <summary>
/// With an external broker several instances share one database: changes made through another instance (a new
/// secret restarts the device's sequence, a revocation, a move) reach this instance's device cache at this interval.
/// </summary>
public sealed class DirectorySync(DeviceDirectory directory, IOptions<BrokerOptions> options, TimeProvider time, ILogger<DirectorySync> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await PeriodicSweep.RunAsync(options.Value.External.DirectoryRefreshInterval, time, directory.RefreshAllAsync, logger,
            "Could not refresh the device directory from the database", stoppingToken);
    }
}
