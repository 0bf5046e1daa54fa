using MQTTnet;
using MQTTnet.Formatter;

namespace SmartCommunity.Testing;

/// <summary>
/// The Mosquitto 2 test broker started by tests/infra/mosquitto/up.sh (dynamic security, no anonymous access):
/// SC_MQTT_EXTERNAL (mqtt://127.0.0.1:11883), SC_MQTT_ADMIN_USER, SC_MQTT_ADMIN_PASSWORD. Locally the tests skip
/// without it; in CI (CI=true) a missing broker fails them, because .ci/run starts it. Each test gets its own
/// shared-subscription group and hub account, so test classes running in parallel never take each other's messages.
/// </summary>
public static class ExternalMosquitto
{
    public static (string Host, int Port, string AdminUser, string AdminPassword) Require()
    {
        var url = Environment.GetEnvironmentVariable("SC_MQTT_EXTERNAL");
        var user = Environment.GetEnvironmentVariable("SC_MQTT_ADMIN_USER");
        var password = Environment.GetEnvironmentVariable("SC_MQTT_ADMIN_PASSWORD");
        Uri? uri = null;
        if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password) || !Uri.TryCreate(url, UriKind.Absolute, out uri))
        {
            var message = "No external MQTT broker: set SC_MQTT_EXTERNAL, SC_MQTT_ADMIN_USER and SC_MQTT_ADMIN_PASSWORD with "
                + "`set -a; eval \"$(tests/infra/mosquitto/up.sh)\"; set +a` (Debian's mosquitto 2 with dynamic security)";
            if (ClusterServers.InCi)
                Assert.Fail("CI=true: " + message);
            Assert.Skip(message);
        }
        return (uri!.Host, uri.Port, user!, password!);
    }

    /// <summary>Hub settings for external mode against the test broker, isolated by a fresh group and hub account.</summary>
    public static Dictionary<string, string?> HubSettings(string group, string? hubUser = null, string? hubPassword = null)
    {
        var (host, port, adminUser, adminPassword) = Require();
        return new Dictionary<string, string?>
        {
            ["Hub:Broker:Mode"] = "external",
            ["Hub:Broker:External:Host"] = host,
            ["Hub:Broker:External:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hub:Broker:External:Username"] = hubUser ?? "sc-hub-" + group,
            ["Hub:Broker:External:Password"] = hubPassword ?? "pw-" + group,
            ["Hub:Broker:External:AdminUsername"] = adminUser,
            ["Hub:Broker:External:AdminPassword"] = adminPassword,
            ["Hub:Broker:External:SharedGroup"] = group,
            ["Hub:Broker:External:ReconnectMaxDelay"] = "00:00:01",
            // Long enough for a restart, short enough that the broker stops queueing for finished tests' sessions.
            ["Hub:Broker:External:SessionExpiry"] = "00:02:00",
        };
    }

    public static string NewGroup() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static MqttClientOptions DeviceOptions(string deviceId, string secret, string? clientId = null, bool cleanStart = true)
    {
        var (host, port, _, _) = Require();
        return new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithCredentials(deviceId, secret)
            .WithClientId(clientId ?? deviceId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(cleanStart)
            .WithSessionExpiryInterval(cleanStart ? 0u : 3600u)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
    }

    /// <summary>How the broker answered a connection attempt (MQTTnet 5 reports a refusal in the result, not by throwing).</summary>
    public static async Task<MqttClientConnectResultCode> TryConnectAsync(MqttClientOptions options)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(options);
            if (client.IsConnected)
                await client.DisconnectAsync();
            return result.ResultCode;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return MqttClientConnectResultCode.UnspecifiedError;
        }
    }

    public static async Task<IMqttClient> ConnectDeviceAsync(string deviceId, string secret, string? clientId = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(DeviceOptions(deviceId, secret, clientId));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }
}
