using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Provisioning;
using SmartCommunity.Provisioner;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Testing;

namespace SmartCommunity.Simulator.Tests.Provisioning;

/// <summary>The technician's provisioning command against a host-run core over a socat pseudo-terminal pair.</summary>
public sealed class ProvisionerPtyTests
{
    // The shape of the hub's POST /api/devices response (the secret is shown only there).
    private const string RegisterResponse = """
        {"device":{"id":"sos-0042","kind":"sos","location":"Flat 101","online":false},"secret":"9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e","mqtt":{"host":"hub.local","port":8883}}
        """;

    private static readonly KeyValuePair<string, string>[] Site =
    [
        new("wifi_ssid", "Flat 101 WiFi"),
        new("wifi_password", "correct horse battery"),
        new("broker_url", "mqtts://hub.local:8883"),
        new("ca_sha256", new string('a', 64)),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Apply_RegistrationResponseAndSite_CommitsAndNodeIsProvisioned()
    {
        await using var pty = await PtyNode.StartAsync(Ct);
        await using var client = Open(pty);

        var hello = await client.SendAsync("HELLO", Ct);
        var (committed, _, reply) = await client.ApplyAsync([.. RegistrationFile.Parse(RegisterResponse), .. Site, new("sos_cancel_ms", "3000")], Ct);
        var status = await client.SendAsync("STATUS", Ct);
        var secret = await client.SendAsync("GET device_secret", Ct);

        Assert.Equal("OK SC-PROV 1", hello.Line);
        Assert.True(committed, reply.Line);
        Assert.Equal("OK committed", reply.Line);
        Assert.StartsWith("OK provisioned=yes device_id=sos-0042 profile=sos ", status.Line, StringComparison.Ordinal);
        Assert.Equal("OK device_secret <set>", secret.Line); // never read back
        Assert.True(pty.Node.Provisioned);
        Assert.Equal(3000, pty.Node.Config.Get(SensorNode.Core.Setting.SosCancelMs));
    }

    [Fact]
    public async Task Apply_BadLineAfterGoodOnes_ErrorCodeAndNothingHalfApplied()
    {
        await using var pty = await PtyNode.StartAsync(Ct);
        await using var client = Open(pty);
        Assert.True((await client.ApplyAsync([.. RegistrationFile.Parse(RegisterResponse), .. Site], Ct)).Committed);

        // A new Wi-Fi is staged fine, then a value out of range is refused: the whole change is aborted.
        var (committed, command, reply) = await client.ApplyAsync([new("wifi_ssid", "Neighbour"), new("gas_on_ppm", "5")], Ct);
        var ssid = await client.SendAsync("GET wifi_ssid", Ct);
        var status = await client.SendAsync("STATUS", Ct);

        Assert.False(committed);
        Assert.Equal("SET gas_on_ppm 5", command);
        Assert.Equal("ERR 3 invalid-value", reply.Line);
        Assert.Equal(3, reply.ErrorCode);
        Assert.Equal("OK wifi_ssid Flat 101 WiFi", ssid.Line);
        Assert.Contains(" staged=no ", status.Line, StringComparison.Ordinal);
        Assert.Equal("Flat 101 WiFi", pty.Node.Config.WifiSsid);
        Assert.Equal(300, pty.Node.Config.Get(SensorNode.Core.Setting.GasAlarmOnPpm));
    }

    [Fact]
    public async Task Send_UnknownCommandAndOverlongLine_GetErrorCodes()
    {
        await using var pty = await PtyNode.StartAsync(Ct);
        await using var client = Open(pty);

        var unknown = await client.SendAsync("REBOOT", Ct);
        var overlong = await client.SendAsync("SET wifi_ssid " + new string('x', 600), Ct);
        var incomplete = await client.ApplyAsync([new("wifi_ssid", "Home")], Ct);

        Assert.Equal("ERR 1 unknown-command", unknown.Line);
        Assert.Equal("ERR 4 line-too-long", overlong.Line);
        Assert.False(incomplete.Committed);
        Assert.StartsWith("ERR 5 incomplete", incomplete.Reply.Line, StringComparison.Ordinal);
        Assert.False(pty.Node.Provisioned);
    }

    [Fact]
    public async Task Cli_StatusAndFactoryReset_ExitCodesFollowReplies()
    {
        await using var pty = await PtyNode.StartAsync(Ct);
        await using (var client = Open(pty))
        {
            Assert.True((await client.ApplyAsync([.. RegistrationFile.Parse(RegisterResponse), .. Site], Ct)).Committed);
        }

        var status = await ProvisionCommand.Build().Parse(["--port", pty.TechnicianPort, "status"]).InvokeAsync(cancellationToken: Ct);
        var unconfirmed = await ProvisionCommand.Build().Parse(["--port", pty.TechnicianPort, "factory-reset"]).InvokeAsync(cancellationToken: Ct);
        var reset = await ProvisionCommand.Build().Parse(["--port", pty.TechnicianPort, "factory-reset", "--yes"]).InvokeAsync(cancellationToken: Ct);

        Assert.Equal(ProvisionCommand.Ok, status);
        Assert.Equal(ProvisionCommand.Usage, unconfirmed);
        Assert.Equal(ProvisionCommand.Ok, reset);
        Assert.False(pty.Node.Provisioned);
    }

    [Fact]
    public async Task Cli_ProvisioningDocumentOnStdin_NodeTakesEveryFieldOfIt()
    {
        var ca = string.Concat(Enumerable.Repeat("c0", 32));
        var document = ProvisioningDocument.ForDevice("climate-0042", DeviceKind.Climate, "9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e", "mqtts://hub.local:8883", ca);
        await using var pty = await PtyNode.StartAsync(Ct);

        // What a QR scanner types: the code's text and a newline.
        var run = await ProvisionerProcess.RunAsync(
            ["--port", pty.TechnicianPort, "apply", "-r", "-", "--wifi-ssid", "Flat 101 WiFi", "--wifi-password", "correct horse battery"],
            document.ToJson() + "\n", Ct);

        Assert.True(run.ExitCode == ProvisionCommand.Ok, run.Error);
        Assert.StartsWith("OK committed", run.Output, StringComparison.Ordinal);
        Assert.Contains("OK provisioned=yes device_id=climate-0042 profile=climate ", run.Output, StringComparison.Ordinal);
        Assert.Equal("", run.Error); // nothing to note: the document names the broker and the CA
        var c = pty.Node.Config;
        Assert.Equal(("climate-0042", "climate", "mqtts://hub.local:8883", ca, "9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e"),
            (c.DeviceId, SensorNode.Core.Profile.Name(c.Profile), c.BrokerUrl, c.CaSha256, c.DeviceSecret));
        Assert.Equal(1800, c.Get(Setting.HeartbeatSeconds)); // the catalogue's supervision interval for climate nodes
        Assert.DoesNotContain("9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e", run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_DocumentOfAnotherMajorVersion_RefusedWithoutTouchingTheNode()
    {
        await using var pty = await PtyNode.StartAsync(Ct);

        var run = await ProvisionerProcess.RunAsync(
            ["--port", pty.TechnicianPort, "apply", "-r", "-", "--wifi-ssid", "Flat 101 WiFi"],
            """{"sc":"provision","v":3,"id":"sos-0042","profile":"sos","secret":"9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e","wifi":{"x":1}}""", Ct);

        Assert.Equal(ProvisionCommand.Usage, run.ExitCode);
        Assert.Contains("provisioning document version 3 is newer than this tool reads (version 2): update sc-provision", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Output);
        await using var client = Open(pty);
        Assert.Contains(" staged=no ", (await client.SendAsync("STATUS", Ct)).Line, StringComparison.Ordinal); // no SET reached the node
        Assert.False(pty.Node.Provisioned);
    }

    [Fact]
    public async Task Cli_DocumentWithoutBrokerOrCa_NotesIt_AndTheNodeSaysWhatIsMissing()
    {
        var document = ProvisioningDocument.ForDevice("sos-0042", DeviceKind.Sos, "9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e", null, null);
        await using var pty = await PtyNode.StartAsync(Ct);

        var run = await ProvisionerProcess.RunAsync(
            ["--port", pty.TechnicianPort, "apply", "-r", "-", "--wifi-ssid", "Flat 101 WiFi", "--broker-url", "mqtts://hub.local:8883"],
            document.ToJson(), Ct);

        Assert.Equal(ProvisionCommand.Refused, run.ExitCode);
        Assert.Contains("note: The document names no CA (the hub has no Hub:Tls:CaPath)", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("names no broker", run.Error, StringComparison.Ordinal); // --broker-url gave it
        Assert.Contains("COMMIT → ERR 5 incomplete ca_sha256", run.Error, StringComparison.Ordinal);
        Assert.False(pty.Node.Provisioned);
    }

    [Fact]
    public void RegistrationFile_RegisterResponseCarryingTheDocument_ReadsTheDocument()
    {
        var document = ProvisioningDocument.ForDevice("pir-0042", DeviceKind.Pir, "9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e", "mqtts://hub.local:8883", new string('b', 64));
        var response = $$"""{"device":{"id":"pir-0042","kind":"pir"},"secret":"9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e","mqtt":{"host":"hub.local","port":1883},"provisioning":{{document.ToJson()}}}""";

        var read = RegistrationFile.Read(response);

        Assert.Equal(
            [new("device_id", "pir-0042"), new("device_secret", "9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e"), new("profile", "pir"), new("broker_url", "mqtts://hub.local:8883"),
             new("ca_sha256", new string('b', 64)), new("heartbeat_s", "1800")],
            read.Settings);
        Assert.Empty(read.Notes);
    }

    [Theory]
    [InlineData("""{"v":1,"id":"sos-0042","secret":"9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e","host":"hub.local","port":1883}""", "A version 1 provisioning QR code: it names no device profile")]
    [InlineData("""{"hello":"world"}""", "Neither a provisioning document")]
    [InlineData("""{"sc":"provision","v":2,"id":"sos-0042","profile":"sos","secret":"x"}""", "Provisioning document refused: \"secret\" must be 16–128")]
    [InlineData("not json", "Not JSON")]
    public void RegistrationFile_NotReadable_SaysWhy(string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => RegistrationFile.Read(text));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProvisioningDocument_SettingsItCarries_AreFirmwareSettingsInRange()
    {
        // The document leaves out what the firmware already defaults to, so that default must be the firmware's.
        Assert.Equal(ProvisioningDocument.FirmwareHeartbeatSeconds, Setting.Default(Setting.HeartbeatSeconds));
        foreach (var kind in Enum.GetValues<DeviceKind>())
        {
            foreach (var (name, value) in ProvisioningDocument.ForDevice("node-0001", kind, "9f2c7a1e5b3d4c6f8a0b2d4e6f8a0c2e", null, null).Settings)
            {
                var setting = Setting.FindByName(name);
                Assert.True(setting >= 0, $"{kind}: the firmware has no setting {name}");
                Assert.InRange(value, Setting.Min(setting), Setting.Max(setting));
            }
        }
    }

    private static ProvisioningClient Open(PtyNode pty) =>
        new(new FileStream(pty.TechnicianPort, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0), TimeSpan.FromSeconds(10));
}
