using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Setting TLS up as docs/security.md describes: the certificates scripts/dev-certs makes with openssl
/// are accepted by the hub and its clients; RequireTls closes the plain ports; broken TLS settings stop
/// the hub at start instead of at the first device. In CI (CI=true) a missing openssl fails the test.
/// </summary>
public sealed class TlsDeploymentTests
{
    [Fact]
    public async Task DevCertsScript_ServerAndDeviceCertificates_AcceptedByTheHub()
    {
        var openssl = Array.Find(["/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"], File.Exists);
        if (openssl is null)
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
                Assert.Fail("CI=true: openssl is not installed (apt-get install openssl)");
            Assert.Skip("openssl is not installed");
        }
        var certs = Path.Combine(Path.GetTempPath(), "sc-devcerts-" + Guid.NewGuid().ToString("N"));
        try
        {
            await RunScriptAsync(certs, "init", "--san", "hub.test");
            using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(certs, "ca.pem"));
            await using var hub = new HubApp(settings: new Dictionary<string, string?>
            {
                ["Hub:Tls:CertificatePath"] = Path.Combine(certs, "server.pem"),
                ["Hub:Tls:KeyPath"] = Path.Combine(certs, "server.key"),
                ["Hub:Tls:DeviceCaPath"] = Path.Combine(certs, "device-ca.pem"),
                ["Hub:Tls:CaPath"] = Path.Combine(certs, "ca.pem"),
            });
            hub.Start();
            var world = await hub.SeedWorldAsync();
            var pendant = await hub.RegisterDeviceAsync("sos", residentId: world.ResidentA);
            // Devices are told to pin the CA the script made (its SHA-256, as openssl's -fingerprint -sha256 without colons).
            Assert.Equal(Convert.ToHexStringLower(ca.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)),
                Domain.Provisioning.ProvisioningDocument.Parse(pendant.Provisioning!.Value.GetRawText()).CaSha256);
            await RunScriptAsync(certs, "device", pendant.Device.Id);

            using var https = TestPki.Https(hub.HttpsPort, ca);
            Assert.Equal(HttpStatusCode.OK, (await https.GetAsync("/health")).StatusCode);
            using var withPassword = new MqttClientFactory().CreateMqttClient();
            Assert.Equal(MqttClientConnectResultCode.Success,
                (await withPassword.ConnectAsync(TestPki.MqttTls(hub.MqttTlsPort, pendant.Device.Id, pendant.Device.Id, pendant.Secret, ca))).ResultCode);
            await withPassword.DisconnectAsync();
            using var certificate = TestPki.LoadPem(Path.Combine(certs, "devices", pendant.Device.Id + ".pem"), Path.Combine(certs, "devices", pendant.Device.Id + ".key"));
            using var withCertificate = new MqttClientFactory().CreateMqttClient();
            Assert.Equal(MqttClientConnectResultCode.Success,
                (await withCertificate.ConnectAsync(TestPki.MqttTls(hub.MqttTlsPort, pendant.Device.Id, null, null, ca, certificate))).ResultCode);
        }
        finally
        {
            if (Directory.Exists(certs))
                Directory.Delete(certs, recursive: true);
        }
    }

    [Fact]
    public async Task RequireTls_PlainPortsClosed_TlsPortsServe()
    {
        using var pki = new TestPki();
        await using var hub = new HubApp(settings: pki.HubSettings(requireTls: true));
        hub.Start();

        foreach (var plain in new[] { hub.HttpPort, hub.MqttPort })
        {
            using var tcp = new TcpClient();
            await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Loopback, plain));
        }
        using var https = TestPki.Https(hub.HttpsPort, pki.ServerCa);
        var login = await https.PostAsJsonAsync("/api/auth/login", new LoginRequest(HubApp.AdminEmail, HubApp.Password));
        var token = (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString();
        https.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var device = await HubApp.PostAsync<DeviceCredentials>(https, "/api/devices", new RegisterDeviceRequest("smoke", null, null, null, null, null, null));
        // The connection details a technician gets point at the TLS port, the only one open.
        Assert.Equal((hub.MqttTlsPort, hub.MqttTlsPort), (device.Mqtt.Port, device.Mqtt.TlsPort));

        using var mqtt = new MqttClientFactory().CreateMqttClient();
        var connected = await mqtt.ConnectAsync(TestPki.MqttTls(hub.MqttTlsPort, device.Device.Id, device.Device.Id, device.Secret, pki.ServerCa));
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
    }

    [Theory]
    [InlineData("Hub:Tls:RequireTls", "true", "Hub:Tls:RequireTls needs Hub:Tls:CertificatePath")]
    [InlineData("Hub:Tls:CertificatePath", "/nonexistent/server.pem", "does not exist")]
    [InlineData("Hub:Tls:DeviceCaPath", "/nonexistent/device-ca.pem", "Hub:Tls:DeviceCaPath needs Hub:Tls:CertificatePath")]
    public async Task Start_BrokenTlsSettings_RefusesToStartWithTheSettingNamed(string key, string value, string message)
    {
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { [key] = value });
        var error = Assert.ThrowsAny<Exception>(() => hub.Start());
        Assert.Contains(message, error.ToString());
    }

    [Fact]
    public async Task Start_CaPathNotTheServerCertificatesIssuer_RefusesToStartWithTheReason()
    {
        using var pki = new TestPki();
        var settings = pki.HubSettings(deviceCertificates: false);
        settings["Hub:Tls:CaPath"] = pki.DeviceCaPath; // a CA, but not the one that issued the server certificate
        await using var hub = new HubApp(settings: settings);

        var error = Assert.ThrowsAny<Exception>(() => hub.Start());

        Assert.Contains("Hub:Tls:CaPath: the server certificate \"CN=localhost\" does not chain to the CA in", error.ToString());
    }

    [Fact]
    public async Task Start_CaPathWithTwoCertificates_RefusesToStart()
    {
        using var pki = new TestPki();
        var both = Path.Combine(pki.Folder, "two-cas.pem");
        await File.WriteAllTextAsync(both, pki.ServerCa.ExportCertificatePem() + "\n" + pki.DeviceCa.ExportCertificatePem(), TestContext.Current.CancellationToken);
        var settings = pki.HubSettings(deviceCertificates: false);
        settings["Hub:Tls:CaPath"] = both;
        await using var hub = new HubApp(settings: settings);

        var error = Assert.ThrowsAny<Exception>(() => hub.Start());

        Assert.Contains("holds 2 certificates; it must hold the one CA devices pin", error.ToString());
    }

    private static async Task RunScriptAsync(string certs, params string[] args)
    {
        var script = Path.Combine(RepoPaths.Root, "scripts", "dev-certs");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        start.Environment["SC_CERTS"] = certs;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"dev-certs {string.Join(' ', args)} exited {process.ExitCode}: {await stdout} {await stderr}");
    }
}
