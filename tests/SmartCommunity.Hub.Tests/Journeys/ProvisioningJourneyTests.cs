using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;
using SmartCommunity.Domain.Provisioning;
using SmartCommunity.Testing;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Engine;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Journey 5, with real parts on every side of every seam: a technician registers a device on the devices page
/// (Chromium), the QR code the page shows is read from a screenshot (ZXing.Net), its text goes to the real
/// <c>sc-provision</c> process over a pseudo-terminal to a host-run firmware core, which then boots from its flash and
/// connects to the hub (started with TLS and the test PKI) with exactly those credentials over MQTT TLS, pinning the
/// CA the code named; the page's test-alarm button makes the core send its test record, seen live on the page and on
/// the duty officer's board. No packet is written by hand.
/// </summary>
public sealed class ProvisioningJourneyTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToHaveCountOptions Soon = new() { Timeout = 20_000 };
    private readonly TestPki _pki = new();
    private HubApp _hub = null!;
    private World _world = null!;
    private DashboardBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = new HubApp(settings: _pki.HubSettings(deviceCertificates: false)).Start();
        _world = await _hub.SeedWorldAsync();
        _browser = await DashboardBrowser.LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        await _hub.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task Technician_RegistersInTheUi_QrImageProvisionsTheNode_NodeConnectsOverTls_AndTheTestAlarmArrivesLive()
    {
        var ct = TestContext.Current.CancellationToken;
        var staff = await _browser.SignInAsync(_hub, World.Staff);
        await Assertions.Expect(staff.Locator("[data-testid=alert-list][data-loaded=true]").First).ToBeAttachedAsync(new() { Timeout = 20_000 });
        var tech = await _browser.SignInAsync(_hub, World.Technician);

        // 1. The technician registers the pendant on the devices page.
        await tech.GetByTestId("reg-kind").SelectOptionAsync("sos");
        await tech.GetByTestId("reg-id").FillAsync("journey-sos-01");
        await tech.GetByTestId("reg-label").FillAsync("Pendant by the bed");
        await tech.GetByTestId("reg-resident").FillAsync(_world.ResidentA.ToString(CultureInfo.InvariantCulture));
        var answer = tech.WaitForResponseAsync(r => r.Request.Method == "POST" && r.Url.EndsWith("/api/devices", StringComparison.Ordinal));
        await tech.GetByTestId("reg-submit").ClickAsync();
        var registered = (await (await answer).JsonAsync())!.Value;

        // 2. The QR code as the technician sees it: a screenshot of the page's code, read by a QR reader.
        var code = tech.GetByTestId("credentials-qr");
        await Assertions.Expect(code.Locator("svg")).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(tech.GetByTestId("credentials-qr-tools")).ToContainTextAsync("sc-provision", new() { Timeout = 20_000 });
        await Assertions.Expect(tech.GetByTestId("credentials-notes")).ToHaveCountAsync(0); // nothing missing from the code
        // The code itself (its SVG draws the quiet zone): the panel around it has rounded corners on the dark page.
        var scanned = QrImage.Read(await code.Locator("svg").ScreenshotAsync());
        Assert.Equal(registered.GetProperty("provisioning").GetRawText(), scanned.Text);
        var document = ProvisioningDocument.Parse(scanned.Text);
        Assert.Equal(("journey-sos-01", "sos"), (document.DeviceId, document.Profile));
        Assert.Equal($"mqtts://127.0.0.1:{_hub.MqttTlsPort}", document.BrokerUrl);
        Assert.Equal(_pki.ServerCaSha256, document.CaSha256);
        await Assertions.Expect(tech.GetByTestId("credentials-broker")).ToHaveTextAsync(document.BrokerUrl!);

        // 3. At the device: sc-provision reads the scanner's text on stdin and provisions the node over its serial line.
        MemoryStorage flash;
        await using (var serial = await PtyNode.StartAsync(ct))
        {
            var run = await ProvisionerProcess.RunAsync(
                ["--port", serial.TechnicianPort, "apply", "-r", "-", "--wifi-ssid", "Flat 101", "--wifi-password", "correct horse battery"],
                scanned.Text + "\n", ct);
            Assert.True(run.ExitCode == 0, $"sc-provision exited {run.ExitCode}: {run.Error}");
            Assert.Contains("OK provisioned=yes device_id=journey-sos-01 profile=sos ", run.Output, StringComparison.Ordinal);
            Assert.Equal("", run.Error);
            flash = serial.Storage;
        }

        // 4. The node boots from its flash and connects where the code said, over TLS, pinning the code's CA. Its CA
        //    store holds the hub's CA and another: the pin decides.
        using var otherCa = TestPki.CreateCa("Someone Else's CA");
        var options = new SimulatorOptions
        {
            RoutineTraffic = false,
            CaCertificates = [X509CertificateLoader.LoadCertificate(otherCa.RawData), X509CertificateLoader.LoadCertificate(_pki.ServerCa.RawData)],
            ReconnectDelayMin = TimeSpan.FromMilliseconds(200),
            ReconnectDelayMax = TimeSpan.FromSeconds(2),
        };
        await using var node = SimulatedFleet.FromProvisionedNodes([flash], options);
        await node.StartAsync(ct);
        await node.WaitUntilConnectedAsync(ct).WaitAsync(TimeSpan.FromSeconds(30), ct);

        // 5. The technician's test alarm: the core answers with its test record, seen on the page and on the board.
        await tech.GetByTestId("credentials-done").ClickAsync();
        var row = tech.Locator("[data-testid=fleet-row][data-device-id='journey-sos-01']");
        await Assertions.Expect(row).ToHaveCountAsync(1, Soon);
        await Assertions.Expect(row).ToHaveAttributeAsync("data-online", "true", new() { Timeout = 30_000 });
        await row.GetByTestId("test-alarm").ClickAsync();
        await Assertions.Expect(row.GetByTestId("test-result")).ToHaveAttributeAsync("data-state", "arrived", new() { Timeout = 90_000 });
        var card = staff.Locator("[data-testid=alert-card][data-kind=test]");
        await Assertions.Expect(card).ToHaveCountAsync(1, Soon);
        await Assertions.Expect(card).ToContainTextAsync("Resident A");
        Assert.Equal(0, node.Devices[0].ConnectFailures);
    }
}
