using SmartCommunity.Provisioner;
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

    private static ProvisioningClient Open(PtyNode pty) =>
        new(new FileStream(pty.TechnicianPort, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0), TimeSpan.FromSeconds(10));
}
