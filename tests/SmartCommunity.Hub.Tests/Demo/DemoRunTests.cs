using System.Diagnostics;
using System.Net.Http.Json;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Tests.Cluster;
using SmartCommunity.Testing;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Scenarios;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// `./run.sh --simulate` as a person uses it: the hub's Release build as its own process in demo mode, and the simulator
/// with the options run.sh gives it (each device's flash in the data directory, no offline announcement on stop, the
/// heating failure in time-lapse). The scenarios the README names reach the duty officer's board, and stopping and
/// starting both on the same data directory leaves the demo working: the devices' sequence numbers go on, so an SOS
/// after the restart is an alert, not a duplicate; the devices the stopping hub dropped raise no "device offline".
/// </summary>
public sealed class DemoRunTests(ITestOutputHelper output)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DemoRerun_HubStoppedThenBothRestartedOnSameData_SosArrivesAndNoDeviceOfflineAlerts()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sc-demo-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            string adminPassword;
            uint firstSeq;
            await using (var hub = await StartDemoHubAsync(dir, adminPassword: null))
            {
                adminPassword = hub.AdminPassword;
                var fleet = await StartFleetAsync(dir, hub);
                try
                {
                    using var officer = await OfficerAsync(hub, dir);
                    firstSeq = (await fleet.InjectAsync("sos-0002", Scenario.Sos, Ct)).Sequence!.Value;
                    await WaitForAlertAsync(officer, "sos", "sos-0002", count: 1);

                    // The hub stops first, with every device connected (the order a service manager or a closed terminal
                    // gives): its broker drops them all, and each one's last will says offline.
                    Assert.Equal(0, await hub.StopAsync(TimeSpan.FromSeconds(60)));
                    Assert.DoesNotContain("fail:", File.ReadAllText(hub.LogPath), StringComparison.Ordinal);
                }
                finally
                {
                    await fleet.DisposeAsync();
                }
            }

            await using var again = await StartDemoHubAsync(dir, adminPassword);
            await using var rerun = await StartFleetAsync(dir, again);
            using var staff = await OfficerAsync(again, dir);
            var sos = await rerun.InjectAsync("sos-0002", Scenario.Sos, Ct);
            var alerts = await WaitForAlertAsync(staff, "sos", "sos-0002", count: 2);

            Assert.True(sos.Sequence > firstSeq, $"the pendant numbered on from {firstSeq}, sent {sos.Sequence}");
            Assert.DoesNotContain(alerts, a => a.Kind == "device_offline");
            using var admin = await HubCluster.ClientAsync(again, HubProcess.AdminEmail, adminPassword);
            var rejections = (await admin.GetFromJsonAsync<DeviceRejections>("/api/rejections", Ct))!;
            Assert.DoesNotContain(rejections.Counts, c => c.Reason == "duplicate");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Every scenario the README's "Run it" names, typed at once as a person would, reaches the duty officer's board. How
    /// long each took is written to the test output (measured, not asserted: the machine is shared); edge/README.md states them.
    /// </summary>
    [Fact]
    public async Task DemoScenarios_EachReadmeScenario_ReachesTheBoard()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sc-demo-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using var hub = await StartDemoHubAsync(dir, adminPassword: null);
            await using var fleet = await StartFleetAsync(dir, hub);
            using var officer = await OfficerAsync(hub, dir);
            (string Command, string Device, string Alert)[] readme =
            [
                ("sos", "sos-0002", "sos"),
                ("fall", "wear-0001", "fall"),
                ("smoke", "smk-0003", "smoke"),
                ("co", "co-0001", "carbon_monoxide"),
                ("heating-failure", "clim-0001", "temperature_low"),
                ("offline", "sos-0004", "device_offline"),
            ];
            var started = Stopwatch.GetTimestamp();
            var arrivals = readme.Select(async s =>
            {
                Assert.True(ScenarioNames.TryParse(s.Command, out var scenario));
                await fleet.InjectAsync(s.Device, scenario, Ct);
                await WaitForAlertAsync(officer, s.Alert, s.Device, count: 1, TimeSpan.FromMinutes(5));
                return (s.Command, Seconds: Stopwatch.GetElapsedTime(started).TotalSeconds);
            }).ToList();

            foreach (var (command, seconds) in await Task.WhenAll(arrivals))
                output.WriteLine($"{command,-16} on the board after {seconds:0.0} s");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static Task<HubProcess> StartDemoHubAsync(string dir, string? adminPassword)
    {
        List<string> args = [$"--Hub:DataDirectory={dir}", "--Hub:Demo=true"];
        if (adminPassword is not null)
            args.Add($"--Hub:FirstAdmin:Password={adminPassword}"); // the account exists; keep the password it has
        return HubProcess.StartAsync(HubProcess.HubDllUnderTest(), args, keepData: false, TimeSpan.FromSeconds(180), Ct);
    }

    /// <summary>The simulator as run.sh starts it (see run.sh), on this hub's MQTT port.</summary>
    private static async Task<SimulatedFleet> StartFleetAsync(string dir, HubProcess hub)
    {
        var file = await FleetFile.LoadAsync(Path.Combine(dir, "demo-fleet.json"), Ct);
        var fleet = SimulatedFleet.FromFleetFile(file, new SimulatorOptions
        {
            Port = hub.MqttPort,
            StorageDirectory = Path.Combine(dir, "simulator"),
            AnnounceOfflineOnStop = false,
            HeatingFailurePace = 240,
        });
        try
        {
            await fleet.StartAsync(Ct);
            await fleet.WaitUntilConnectedAsync(Ct);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>The duty officer, signed in with the demo's generated password (data/demo-signins.txt).</summary>
    private static async Task<HttpClient> OfficerAsync(HubProcess hub, string dir)
    {
        var officer = File.ReadAllLines(Path.Combine(dir, "demo-signins.txt")).Select(l => l.Split('\t')).Single(p => p[0] == "officer@demo.local");
        return await HubCluster.ClientAsync(hub, officer[0], officer[1]);
    }

    /// <summary>Waits until the board shows <paramref name="count"/> occurrences of the kind from the device (a second SOS
    /// while the first is still open is counted on that alert, as the board shows it).</summary>
    private static async Task<List<AlertDto>> WaitForAlertAsync(HttpClient staff, string kind, string deviceId, int count, TimeSpan? timeout = null) =>
        await Eventually.GetAsync(
            async () => (await staff.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=all", Ct))!,
            all => all.Where(a => a.Kind == kind && a.DeviceId == deviceId).Sum(a => a.Occurrences) >= count,
            timeout ?? TimeSpan.FromSeconds(60), $"{count} {kind} occurrence(s) from {deviceId} on the board");
}
