using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Broker.External;

/// <summary>One command's answer from the plugin: no error means done.</summary>
public sealed record DynsecResult(string Command, string? Error, JsonElement? Data = null)
{
    public bool Ok => Error is null;
    public bool AlreadyExists => Error?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true;
    public bool NotFound => Error?.Contains("not found", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>
/// Device credentials and ACLs in Mosquitto 2, kept in step with the hub through the dynamic-security plugin's
/// control topic (<c>$CONTROL/dynamic-security/v1</c>, answers on <c>…/response</c>). Per device: a broker client
/// (username = device id, password = its secret, client id bound to the device id) with its own role that may
/// publish only <c>sc/v1/{id}/up|status</c> and subscribe only <c>sc/v1/{id}/down|cfg</c> — what
/// <see cref="DeviceGate"/> enforces on the embedded broker. At start the hub's own account and role are created
/// or repaired, and every registered device's role and enabled/disabled state is reconciled with the database.
/// Passwords cannot be reconciled (the hub keeps only hashes): a device whose broker client is missing is logged
/// and needs a new secret.
/// </summary>
public sealed class DynamicSecurity(
    IOptions<BrokerOptions> broker, IOptions<HubOptions> hub, IDbContextFactory<HubDbContext> dbFactory, ILogger<DynamicSecurity> logger) : IAsyncDisposable
{
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";
    public const string ResponseTopic = ControlTopic + "/response";
    private const int DevicesPerBatch = 25;

    private readonly ExternalBrokerOptions _options = broker.Value.External;
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly SemaphoreSlim _connect = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<List<DynsecResult>>> _pending = new(StringComparer.Ordinal);
    private bool _subscribed;
    private volatile bool _reconciled;

    public string HubRole => "sc-hub-" + _options.SharedGroup;

    public static string DeviceRole(string deviceId) => "sc-device-" + deviceId;

    /// <summary>Connects the control client and, once per process, reconciles the hub's and the devices' accounts.</summary>
    public async Task EnsureReadyAsync(CancellationToken ct)
    {
        await ConnectAsync(ct);
        if (_reconciled)
            return;
        await EnsureHubAccountAsync(ct);
        await ReconcileDevicesAsync(ct);
        _reconciled = true;
    }

    public async Task ProvisionAsync(string deviceId, string secret, CancellationToken ct)
    {
        var results = await SendAsync([.. RoleCommands(deviceId), CreateClient(deviceId, secret)], ct);
        Require(results, r => r.Ok || r.AlreadyExists);
        if (results[^1].AlreadyExists)
        {
            // Left from an earlier registration (or one the hub could not finish): take it over with the new secret.
            var modify = Command("modifyClient", ("username", deviceId), ("password", secret), ("clientid", deviceId));
            modify["roles"] = new JsonArray(new JsonObject { ["rolename"] = DeviceRole(deviceId), ["priority"] = 0 });
            Require(await SendAsync([modify, Command("enableClient", ("username", deviceId))], ct), r => r.Ok);
        }
    }

    public async Task SetSecretAsync(string deviceId, string secret, CancellationToken ct)
    {
        var results = await SendAsync([Command("setClientPassword", ("username", deviceId), ("password", secret))], ct);
        if (results[0].NotFound)
        {
            // Lost on the broker (a new broker, a restored backup): a new secret is the moment to provision it again.
            await ProvisionAsync(deviceId, secret, ct);
            return;
        }
        Require(results, r => r.Ok);
    }

    public async Task RevokeAsync(string deviceId, CancellationToken ct) =>
        // Mosquitto's disableClient also disconnects every connection using the account.
        Require(await SendAsync([Command("disableClient", ("username", deviceId))], ct), r => r.Ok || r.NotFound);

    public async Task EnableAsync(string deviceId, CancellationToken ct) =>
        Require(await SendAsync([Command("enableClient", ("username", deviceId))], ct), r => r.Ok);

    public async Task RemoveAsync(string deviceId, CancellationToken ct) =>
        await SendAsync([Command("deleteClient", ("username", deviceId)), Command("deleteRole", ("rolename", DeviceRole(deviceId)))], ct);

    private static IEnumerable<JsonObject> RoleCommands(string deviceId)
    {
        var role = DeviceRole(deviceId);
        (string Type, string Topic)[] acls =
        [
            ("publishClientSend", Topic.Up(deviceId)),
            ("publishClientSend", Topic.Status(deviceId)),
            ("subscribeLiteral", Topic.Down(deviceId)),
            ("subscribeLiteral", Topic.Cfg(deviceId)),
        ];
        return RoleWithAcls(role, acls);
    }

    /// <summary>createRole with the ACLs, then each ACL again: on an existing role the first fails with "already exists"
    /// and the additions repair ACLs that went missing; on a fresh one the additions answer "already exists".</summary>
    private static IEnumerable<JsonObject> RoleWithAcls(string role, (string Type, string Topic)[] acls)
    {
        var list = new JsonArray();
        foreach (var (type, topic) in acls)
            list.Add(new JsonObject { ["acltype"] = type, ["topic"] = topic, ["priority"] = 0, ["allow"] = true });
        var create = Command("createRole", ("rolename", role));
        create["acls"] = list;
        yield return create;
        foreach (var (type, topic) in acls)
        {
            var add = Command("addRoleACL", ("rolename", role), ("acltype", type), ("topic", topic));
            add["priority"] = 0;
            add["allow"] = true;
            yield return add;
        }
    }

    private static JsonObject CreateClient(string deviceId, string secret)
    {
        var create = Command("createClient", ("username", deviceId), ("password", secret), ("clientid", deviceId), ("textname", "SmartCommunity device"));
        create["roles"] = new JsonArray(new JsonObject { ["rolename"] = DeviceRole(deviceId), ["priority"] = 0 });
        return create;
    }

    private async Task EnsureHubAccountAsync(CancellationToken ct)
    {
        var group = _options.SharedGroup;
        (string, string)[] acls =
        [
            ("subscribeLiteral", $"$share/{group}/{Topic.Prefix}+/up"),
            ("subscribeLiteral", $"$share/{group}/{Topic.Prefix}+/status"),
            // The elected early-warning scorer reads every reading itself (EarlyWarningStream), not a share of them.
            ("subscribeLiteral", $"{Topic.Prefix}+/up"),
            ("publishClientSend", $"{Topic.Prefix}+/down"),
            ("publishClientSend", $"{Topic.Prefix}+/cfg"),
        ];
        var user = _options.Username ?? throw new BrokerCommandException("Hub:Broker:External:Username is required");
        var results = await SendAsync([.. RoleWithAcls(HubRole, acls), GetClient(user)], ct);
        Require(results[..^1], r => r.Ok || r.AlreadyExists);
        var account = ClientState.From(results[^1]);
        var separateAdmin = !string.IsNullOrEmpty(_options.AdminUsername) && _options.AdminUsername != user;
        if (account is null && separateAdmin)
        {
            var create = Command("createClient", ("username", user), ("password", _options.Password ?? ""), ("textname", "SmartCommunity hub"));
            create["roles"] = new JsonArray(new JsonObject { ["rolename"] = HubRole, ["priority"] = 0 });
            Require(await SendAsync([create], ct), r => r.Ok || r.AlreadyExists);
        }
        else if (account is null)
        {
            throw new BrokerCommandException($"the hub's broker account {user} does not exist");
        }
        else
        {
            // Only what differs is changed: Mosquitto drops a client's connections when its roles change, and
            // every instance of a cluster runs this at start.
            var fix = new List<JsonObject>();
            if (!account.Roles.Contains(HubRole))
                fix.Add(Command("addClientRole", ("username", user), ("rolename", HubRole)));
            if (account.Disabled && separateAdmin)
                fix.Add(Command("enableClient", ("username", user)));
            if (fix.Count > 0)
                Require(await SendAsync(fix, ct), r => r.Ok);
        }
        logger.LogInformation("Broker account {User} has role {Role} (shared group {Group})", user, HubRole, group);
    }

    /// <summary>After the broker refused the hub's own credentials: set the configured password (only possible with a separate admin).</summary>
    public async Task ResetHubPasswordAsync(CancellationToken ct)
    {
        if (string.IsNullOrEmpty(_options.AdminUsername) || _options.AdminUsername == _options.Username)
            return;
        await ConnectAsync(ct);
        Require(await SendAsync([Command("setClientPassword", ("username", _options.Username!), ("password", _options.Password ?? ""))], ct), r => r.Ok);
        logger.LogWarning("The broker refused the hub's credentials; its password was set to the configured one");
    }

    private static JsonObject GetClient(string username) => Command("getClient", ("username", username));

    /// <summary>What getClient says about an account (null: it does not exist).</summary>
    private sealed record ClientState(HashSet<string> Roles, bool Disabled)
    {
        public static ClientState? From(DynsecResult result)
        {
            if (!result.Ok || result.Data is not { } data || !data.TryGetProperty("client", out var client))
                return null;
            var roles = new HashSet<string>(StringComparer.Ordinal);
            if (client.TryGetProperty("roles", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var r in list.EnumerateArray())
                {
                    if (r.TryGetProperty("rolename", out var name) && name.GetString() is { } n)
                        roles.Add(n);
                }
            }
            var disabled = client.TryGetProperty("disabled", out var d) && d.ValueKind == JsonValueKind.True;
            return new ClientState(roles, disabled);
        }
    }

    private async Task ReconcileDevicesAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var devices = await db.Devices.AsNoTracking().OrderBy(d => d.Id).Select(d => new { d.Id, d.Revoked }).ToListAsync(ct);
        var missing = new List<string>();
        var changed = 0;
        foreach (var batch in devices.Chunk(DevicesPerBatch))
        {
            var commands = new List<JsonObject>();
            foreach (var d in batch)
            {
                commands.AddRange(RoleCommands(d.Id));
                commands.Add(GetClient(d.Id));
            }
            var results = await SendAsync(commands, ct);
            var perDevice = results.Count / batch.Length;
            var fix = new List<JsonObject>();
            for (var i = 0; i < batch.Length; i++)
            {
                var mine = results.GetRange(i * perDevice, perDevice);
                Require(mine[..^1], r => r.Ok || r.AlreadyExists);
                var (id, revoked) = (batch[i].Id, batch[i].Revoked);
                if (ClientState.From(mine[^1]) is not { } account)
                {
                    missing.Add(id);
                    continue;
                }
                // Only what differs: role and enabled-state changes drop the device's connection.
                if (!account.Roles.Contains(DeviceRole(id)))
                    fix.Add(Command("addClientRole", ("username", id), ("rolename", DeviceRole(id))));
                if (account.Disabled != revoked)
                    fix.Add(Command(revoked ? "disableClient" : "enableClient", ("username", id)));
            }
            if (fix.Count > 0)
            {
                Require(await SendAsync(fix, ct), r => r.Ok);
                changed += fix.Count;
            }
        }
        if (missing.Count > 0)
            logger.LogWarning("{Count} registered devices have no account on the MQTT broker and cannot connect until their secret is rotated: {Devices}",
                missing.Count, string.Join(", ", missing.Take(20)));
        logger.LogInformation("Reconciled {Count} devices' broker roles and states ({Changed} changes)", devices.Count, changed);
    }

    private static void Require(IReadOnlyList<DynsecResult> results, Func<DynsecResult, bool> fine)
    {
        var failed = results.Where(r => !fine(r)).ToList();
        if (failed.Count > 0)
            throw new BrokerCommandException(string.Join("; ", failed.Select(r => $"{r.Command}: {r.Error}")));
    }

    private static JsonObject Command(string name, params (string Key, string Value)[] fields)
    {
        var o = new JsonObject { ["command"] = name };
        foreach (var (k, v) in fields)
            o[k] = v;
        return o;
    }

    /// <summary>Sends one batch (processed in order by the plugin) and waits for its answers, matched by correlation data.</summary>
    public async Task<List<DynsecResult>> SendAsync(IReadOnlyList<JsonObject> commands, CancellationToken ct)
    {
        await ConnectAsync(ct);
        var id = Guid.NewGuid().ToString("N");
        for (var i = 0; i < commands.Count; i++)
            commands[i]["correlationData"] = $"{id}:{i}";
        var tcs = new TaskCompletionSource<List<DynsecResult>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        try
        {
            var payload = Encoding.UTF8.GetBytes(new JsonObject { ["commands"] = new JsonArray([.. commands]) }.ToJsonString());
            var message = new MqttApplicationMessageBuilder().WithTopic(ControlTopic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            var published = await _client.PublishAsync(message, ct);
            if (!published.IsSuccess)
                throw new BrokerCommandException($"the broker refused the control command: {published.ReasonCode} {published.ReasonString}");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.CommandTimeout);
            try
            {
                var results = await tcs.Task.WaitAsync(timeout.Token);
                foreach (var r in results.Where(r => !r.Ok))
                    logger.LogDebug("dynsec {Command}: {Error}", r.Command, r.Error);
                return results;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new BrokerCommandException($"no answer from the dynamic-security plugin within {_options.CommandTimeout}");
            }
        }
        catch (Exception ex) when (ex is not BrokerCommandException and not OperationCanceledException)
        {
            throw new BrokerCommandException(ex.Message, ex);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        if (_client.IsConnected)
            return;
        await _connect.WaitAsync(ct);
        try
        {
            if (_client.IsConnected)
                return;
            if (!_subscribed)
            {
                _client.ApplicationMessageReceivedAsync += OnResponseAsync;
                _subscribed = true;
            }
            var user = string.IsNullOrEmpty(_options.AdminUsername) ? _options.Username : _options.AdminUsername;
            var password = string.IsNullOrEmpty(_options.AdminUsername) ? _options.Password : _options.AdminPassword;
            var builder = new MqttClientOptionsBuilder()
                .WithTcpServer(_options.Host, _options.Port)
                .WithClientId(_options.ClientIdFor(hub.Value.DataDirectory) + "-admin")
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithCleanStart(true)
                .WithCredentials(user, password)
                .WithTimeout(_options.CommandTimeout);
            if (_options.UseTls)
                builder.WithTlsOptions(t => t.UseTls());
            try
            {
                var connected = await _client.ConnectAsync(builder.Build(), ct);
                if (connected.ResultCode != MqttClientConnectResultCode.Success)
                    throw new BrokerCommandException($"the broker refused {user}: {connected.ResultCode} {connected.ReasonString}");
                var granted = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(f => f.WithTopic(ResponseTopic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(), ct);
                if (granted.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
                    throw new BrokerCommandException($"{user} may not subscribe to {ResponseTopic}: is it a dynamic-security administrator?");
            }
            catch (Exception ex) when (ex is not BrokerCommandException and not OperationCanceledException)
            {
                throw new BrokerCommandException($"cannot reach the dynamic-security plugin at {_options.Host}:{_options.Port} as {user}: {ex.Message}", ex);
            }
        }
        finally
        {
            _connect.Release();
        }
    }

    private Task OnResponseAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (e.ApplicationMessage.Topic != ResponseTopic)
            return Task.CompletedTask;
        try
        {
            using var doc = JsonDocument.Parse(e.ApplicationMessage.Payload);
            var results = new List<DynsecResult>();
            string? batch = null;
            foreach (var r in doc.RootElement.GetProperty("responses").EnumerateArray())
            {
                var command = r.TryGetProperty("command", out var c) ? c.GetString() ?? "" : "";
                var error = r.TryGetProperty("error", out var err) ? err.GetString() : null;
                if (batch is null && r.TryGetProperty("correlationData", out var cd) && cd.GetString() is { } s && s.IndexOf(':') is var colon and > 0)
                    batch = s[..colon];
                results.Add(new DynsecResult(command, error, r.TryGetProperty("data", out var data) ? data.Clone() : null));
            }
            if (batch is not null && _pending.TryGetValue(batch, out var tcs))
                tcs.TrySetResult(results);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Unreadable answer from the dynamic-security plugin");
        }
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogDebug(ex, "Disconnect of the dynamic-security client failed");
            }
        }
        _client.Dispose();
        _connect.Dispose();
    }
}
