using System.Diagnostics;
using System.Globalization;

namespace SmartCommunity.Testing;

/// <summary>A private Mosquitto 2 (tests/infra/mosquitto/up.sh with its own directory and port) that a test may stop and start.</summary>
public sealed class PrivateMosquitto : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sc-mqtt-test-" + Guid.NewGuid().ToString("N")[..12]);

    public int Port { get; } = FreePort.Next();
    public string AdminUser { get; private set; } = "";
    public string AdminPassword { get; private set; } = "";

    public static async Task<PrivateMosquitto> StartAsync()
    {
        if (!File.Exists("/usr/sbin/mosquitto"))
        {
            const string message = "mosquitto is not installed (apt-get install mosquitto; .ci/run does)";
            if (ClusterServers.InCi)
                Assert.Fail("CI=true: " + message);
            Assert.Skip(message);
        }
        var broker = new PrivateMosquitto();
        await broker.UpAsync();
        return broker;
    }

    /// <summary>Starts the broker, or starts it again on its persisted state (sessions, queued messages, accounts).</summary>
    public async Task UpAsync()
    {
        var output = await RunAsync(RepoPaths.Infra("mosquitto/up.sh"));
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("SC_MQTT_ADMIN_USER=", StringComparison.Ordinal))
                AdminUser = line["SC_MQTT_ADMIN_USER=".Length..].Trim();
            if (line.StartsWith("SC_MQTT_ADMIN_PASSWORD=", StringComparison.Ordinal))
                AdminPassword = line["SC_MQTT_ADMIN_PASSWORD=".Length..].Trim();
        }
    }

    /// <summary>Stops the broker as an operator restarting it would (SIGTERM: Mosquitto writes its persistence file), keeping its state.</summary>
    public async Task StopAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(_dir, "mosquitto.pid"))).Trim(), CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(RepoPaths.Infra("mosquitto/down.sh"));
        }
        catch (InvalidOperationException)
        {
        }
    }

    private Task<string> RunAsync(string script) =>
        ClusterServers.RunScriptAsync(script, [], new Dictionary<string, string>
        {
            ["SC_MQTT_DIR"] = _dir,
            ["SC_MQTT_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
        });
}
