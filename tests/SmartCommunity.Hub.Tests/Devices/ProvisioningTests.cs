using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SmartCommunity.Domain.Provisioning;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The provisioning document as the hub hands it out: in the register response, in the QR code as SVG (the page) and
/// as PNG (printing). The PNG is read back with ZXing.Net and must be exactly the document.
/// </summary>
public sealed class ProvisioningTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestPki _pki = new();
    private HubApp _hub = null!;
    private World _world = null!;

    public async ValueTask InitializeAsync()
    {
        _hub = new HubApp(settings: _pki.HubSettings(deviceCertificates: false)).Start();
        _world = await _hub.SeedWorldAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        _pki.Dispose();
    }

    [Fact]
    public async Task QrPng_TlsHubWithCa_DecodesToExactlyTheDocumentOfTheRegisterResponse()
    {
        var device = await _hub.RegisterDeviceAsync("climate", householdId: _world.HouseholdA, id: "climate-qr-0001");
        using var tech = await _hub.ClientAsync(World.Technician);

        var png = await tech.PostAsJsonAsync("/api/devices/climate-qr-0001/provisioning-qr.png", new ProvisioningQrRequest(device.Secret));
        var svg = await (await tech.PostAsJsonAsync("/api/devices/climate-qr-0001/provisioning-qr", new ProvisioningQrRequest(device.Secret))).Content.ReadFromJsonAsync<ProvisioningQrDto>();

        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        var decoded = QrImage.Read(await png.Content.ReadAsByteArrayAsync());
        var expected = device.Provisioning!.Value.GetRawText();
        Assert.Equal(expected, decoded.Text);
        Assert.Equal(expected, svg!.Data);
        Assert.Empty(svg.Notes);
        Assert.Equal("M", decoded.ErrorCorrection);
        var document = ProvisioningDocument.Parse(decoded.Text);
        Assert.Equal(("climate-qr-0001", "climate", device.Secret), (document.DeviceId, document.Profile, document.Secret));
        // The TLS port under the name the technician reached the hub by, and the CA of Hub:Tls:CaPath.
        Assert.Equal($"mqtts://127.0.0.1:{_hub.MqttTlsPort}", document.BrokerUrl);
        Assert.Equal(_pki.ServerCaSha256, document.CaSha256);
        Assert.Equal([new("heartbeat_s", 1800)], document.Settings);

        // How big the code is (ECC M); the page draws it 264 px wide, ~4 px a module.
        using var code = DeviceProvisioning.Encode(decoded.Text);
        output.WriteLine($"document: {decoded.Text.Length} bytes → QR version {code.Version} at ECC M ({code.ModuleMatrix.Count} modules a side with the quiet zone), located by finder patterns: {decoded.Located}");
        Assert.InRange(code.Version, 1, 11);
    }

    [Fact]
    public void QrPng_LongestIdAndHostName_StillFitsAVersion12Code()
    {
        // A 32-character id (the longest allowed) and a real-world host name: the worst case a label must hold.
        var document = ProvisioningDocument.ForDevice("wearable-0123456789abcdef-012345", Domain.Devices.DeviceKind.Wearable, new string('f', 32),
            "mqtts://hub.community-care.example.org:8883", _pki.ServerCaSha256);
        using var code = DeviceProvisioning.Encode(document.ToJson());

        output.WriteLine($"worst case: {document.ToJson().Length} bytes → QR version {code.Version} at ECC M");
        Assert.Equal(document.ToJson(), QrImage.Read(DeviceProvisioning.Png(code)).Text);
        Assert.InRange(code.Version, 1, 12);
    }

    [Fact]
    public async Task RotateSecret_Response_CarriesTheDocumentWithTheNewSecret()
    {
        var device = await _hub.RegisterDeviceAsync("sos", residentId: _world.ResidentA);
        using var tech = await _hub.ClientAsync(World.Technician);

        var rotated = await HubApp.PostAsync<DeviceCredentials>(tech, $"/api/devices/{device.Device.Id}/secret", new RotateSecretRequest(0));

        var document = ProvisioningDocument.Parse(rotated.Provisioning!.Value.GetRawText());
        Assert.Equal(rotated.Secret, document.Secret);
        Assert.NotEqual(device.Secret, document.Secret);
        // The old secret no longer makes a code.
        var old = await tech.PostAsJsonAsync($"/api/devices/{device.Device.Id}/provisioning-qr.png", new ProvisioningQrRequest(device.Secret));
        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        Assert.Equal("application/problem+json", old.Content.Headers.ContentType?.MediaType);
        Assert.Contains("the secret does not match this device", await old.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Qr_HubWithoutTls_DocumentNamesNoBrokerOrCa_AndSaysWhy()
    {
        await using var plain = new HubApp().Start();
        var device = await plain.RegisterDeviceAsync("sos");
        using var admin = await plain.AdminAsync();

        var qr = await HubApp.PostAsync<ProvisioningQrDto>(admin, $"/api/devices/{device.Device.Id}/provisioning-qr", new ProvisioningQrRequest(device.Secret));

        var document = ProvisioningDocument.Parse(qr.Data);
        Assert.Null(document.BrokerUrl); // the firmware refuses plain mqtt: no URL it would refuse
        Assert.Null(document.CaSha256);
        Assert.Equal([ProvisioningNote.NoTls, ProvisioningNote.NoCa], qr.Notes);
        Assert.Equal(qr.Data, device.Provisioning!.Value.GetRawText());
        using var doc = JsonDocument.Parse(qr.Data);
        Assert.False(doc.RootElement.TryGetProperty("broker", out _));
    }
}
