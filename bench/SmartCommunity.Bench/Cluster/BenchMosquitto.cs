using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Testing;

namespace SmartCommunity.Bench.Cluster;

/// <summary>
/// A private Mosquitto 2 for one phase of the cluster bench: tests/infra/mosquitto/up.sh with its own directory
/// (SC_MQTT_DIR) and a free port (SC_MQTT_PORT), the same configuration the cluster tests and the hub's external
/// mode use (dynamic security, persistence, max_inflight_messages 200, max_queued_messages 100000), but saving its
/// state every 60 s like deploy/mosquitto.conf rather than every second. Nothing else
/// connects to it, and it is removed with down.sh when the phase ends, so no phase inherits another's sessions.
/// </summary>
public sealed class BenchMosquitto : IAsyncDisposable
{
    private readonly string _infra;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sc-bench-mqtt-" + Guid.NewGuid().ToString("N")[..12]);

    private BenchMosquitto(string infra) => _infra = infra;

    public int Port { get; } = FreePort.Next();
    public string AdminUser { get; private set; } = "";
    public string AdminPassword { get; private set; } = "";

    /// <summary>The broker's pid (from its pid file), for CPU accounting.</summary>
    public int? ProcessId { get; private set; }

    public static async Task<BenchMosquitto> StartAsync(string infraDirectory, CancellationToken ct)
    {
        var broker = new BenchMosquitto(infraDirectory);
        try
        {
            var output = await broker.RunAsync("up.sh", ct);
            foreach (var line in output.Split('\n'))
            {
                if (line.StartsWith("SC_MQTT_ADMIN_USER=", StringComparison.Ordinal))
                    broker.AdminUser = line["SC_MQTT_ADMIN_USER=".Length..].Trim();
                if (line.StartsWith("SC_MQTT_ADMIN_PASSWORD=", StringComparison.Ordinal))
                    broker.AdminPassword = line["SC_MQTT_ADMIN_PASSWORD=".Length..].Trim();
            }
            var pidFile = Path.Combine(broker._dir, "mosquitto.pid");
            if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile, ct)).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
                broker.ProcessId = pid;
            if (broker.AdminUser.Length == 0)
                throw new InvalidOperationException("mosquitto/up.sh printed no SC_MQTT_ADMIN_USER");
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Accounts for the ceiling phase, where no hub provisions them: each device gets exactly what the hub's
    /// DynamicSecurity gives it (its own role: publish sc/v1/{id}/up and …/status, subscribe …/down and …/cfg;
    /// client id bound to the device id), and one subscriber account may subscribe the shared up filter.
    /// Sent as the hub sends them, JSON commands on $CONTROL/dynamic-security/v1, a batch per message.
    /// </summary>
    public async Task ProvisionAsync(IReadOnlyList<(string Id, string Secret)> devices, string subscriberUser, string subscriberPassword, string sharedFilter, CancellationToken ct)
    {
        using var admin = new MqttClientFactory().CreateMqttClient();
        var answers = System.Threading.Channels.Channel.CreateUnbounded<string>();
        admin.ApplicationMessageReceivedAsync += e =>
        {
            answers.Writer.TryWrite(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        await admin.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Port)
            .WithCredentials(AdminUser, AdminPassword)
            .WithClientId("bench-dynsec-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build(), ct);
        await admin.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("$CONTROL/dynamic-security/v1/response", MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);

        var batches = new List<JsonArray> { new() { Role(subscriberUser, [("subscribeLiteral", sharedFilter)]), Client(subscriberUser, subscriberPassword, null) } };
        foreach (var chunk in devices.Chunk(25))
        {
            var batch = new JsonArray();
            foreach (var (id, secret) in chunk)
            {
                batch.Add(Role("sc-device-" + id,
                    [("publishClientSend", $"sc/v1/{id}/up"), ("publishClientSend", $"sc/v1/{id}/status"), ("subscribeLiteral", $"sc/v1/{id}/down"), ("subscribeLiteral", $"sc/v1/{id}/cfg")]));
                batch.Add(Client(id, secret, id));
            }
            batches.Add(batch);
        }
        // One batch in flight: its answer is the next message on the response topic.
        foreach (var batch in batches)
        {
            var body = new JsonObject { ["commands"] = batch }.ToJsonString();
            await admin.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("$CONTROL/dynamic-security/v1").WithPayload(body)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            var answer = await answers.Reader.ReadAsync(timeout.Token);
            using var doc = JsonDocument.Parse(answer);
            foreach (var r in doc.RootElement.GetProperty("responses").EnumerateArray())
            {
                if (r.TryGetProperty("error", out var error))
                    throw new InvalidOperationException($"dynamic security refused {r.GetProperty("command").GetString()}: {error.GetString()}");
            }
        }
        await admin.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), ct);
    }

    private static JsonObject Role(string name, (string Type, string Topic)[] acls)
    {
        var list = new JsonArray();
        foreach (var (type, topic) in acls)
            list.Add(new JsonObject { ["acltype"] = type, ["topic"] = topic, ["priority"] = 0, ["allow"] = true });
        return new JsonObject { ["command"] = "createRole", ["rolename"] = name, ["acls"] = list };
    }

    private static JsonObject Client(string username, string password, string? clientId)
    {
        var create = new JsonObject
        {
            ["command"] = "createClient",
            ["username"] = username,
            ["password"] = password,
            ["roles"] = new JsonArray(new JsonObject { ["rolename"] = clientId is null ? username : "sc-device-" + username, ["priority"] = 0 }),
        };
        if (clientId is not null)
            create["clientid"] = clientId;
        return create;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("down.sh", CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"bench: could not stop the private mosquitto in {_dir}: {ex.Message}");
        }
    }

    private async Task<string> RunAsync(string script, CancellationToken ct)
    {
        var path = Path.Combine(_infra, "mosquitto", script);
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["SC_MQTT_DIR"] = _dir;
        start.Environment["SC_MQTT_PORT"] = Port.ToString(CultureInfo.InvariantCulture);
        // deploy/mosquitto.conf's interval: measure the broker as deployed, not the tests' save every second.
        start.Environment["SC_MQTT_AUTOSAVE"] = "60";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + path);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{path} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }
}
