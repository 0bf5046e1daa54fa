using System.Net.Http.Json;
using MQTTnet;
using SmartCommunity.Testing;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Tests.Cluster;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The data directory is its owner's alone: the hub as deployed (its own process, so its own umask) is started on a
/// directory made 0755 by someone else, writes to every store, and then nothing in the directory is open to group or others.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataDirectoryTests
{
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    [Fact]
    public async Task HubProcess_AfterStartAndWrites_DirectoryIs0700AndEveryFile0600()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = await HubProcess.StartAsync(HubProcess.HubDllUnderTest(), [], keepData: false, TimeSpan.FromSeconds(180), ct);
        // HubProcess made the directory with the test process's umask (0755): the hub must tighten what it finds.
        using (var admin = await HubCluster.ClientAsync(hub, HubProcess.AdminEmail, hub.AdminPassword))
        {
            var community = await HubApp.PostAsync<CommunityDto>(admin, "/api/communities", new CreateCommunityRequest("Modes", null));
            Assert.True(community.Id > 0);
            var device = await HubApp.PostAsync<DeviceCredentials>(admin, "/api/devices", new RegisterDeviceRequest("climate", null, null, null, null, null, null));
            using var mqtt = new MqttClientFactory().CreateMqttClient();
            await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", hub.MqttPort)
                .WithCredentials(device.Device.Id, device.Secret).WithClientId(device.Device.Id).Build(), ct);
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{device.Device.Id}/up")
                .WithPayload(Senml.Temp(device.Device.Id, 1, 21.5)).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            // The PUBACK comes once the reading is durable in telemetry.db.
            var latest = await admin.GetFromJsonAsync<List<SmartCommunity.Hub.Readings.LatestDto>>($"/api/devices/{device.Device.Id}/readings/latest", ct);
            Assert.Single(latest!);
        }

        var root = hub.DataDirectory;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(root));
        foreach (var expected in new[] { "hub.db", "hub.db-wal", "telemetry.db", "telemetry.db-wal", "scheduler.db", "vapid.json" })
            Assert.True(File.Exists(Path.Combine(root, expected)), $"{expected} was not created; the data directory holds {string.Join(", ", Directory.EnumerateFileSystemEntries(root))}");
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(root, "keys")));

        var open = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            // hub.log is the test's copy of the hub's console, written by this process.
            if (Path.GetFileName(entry) == "hub.log")
                continue;
            var mode = File.GetUnixFileMode(entry);
            var isDirectory = Directory.Exists(entry);
            var wanted = isDirectory ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite;
            if ((mode & GroupOrOthers) != 0 || (mode & wanted) != wanted)
                open.Add($"{Path.GetRelativePath(root, entry)} {Convert.ToString((int)mode, 8)}");
        }
        Assert.True(open.Count == 0, "open to group or others: " + string.Join(", ", open));
    }
}
