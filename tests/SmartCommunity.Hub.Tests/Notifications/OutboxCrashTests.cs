using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Tests.Cluster;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// The outbox across a crash, on the hub as its own process (its Release build): deliveries pending against a real
/// receiver that is failing (503) and, for one of them, hanging mid-request; the hub is killed with SIGKILL and started
/// again on the same data; then every delivery arrives, and exactly once (counted by X-SC-Delivery at the receiver).
/// </summary>
public sealed class OutboxCrashTests
{
    private const int Alerts = 5;
    private const string Secret = "crash-webhook-secret-0123456789";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HubKilledWithDeliveriesPending_AfterRestart_EachArrivesExactlyOnce()
    {
        await using var receiver = await Receiver.StartAsync();
        var dir = Path.Combine(Path.GetTempPath(), "sc-hub-" + Guid.NewGuid().ToString("N"));
        List<string> common =
        [
            $"--Hub:DataDirectory={dir}",
            "--Hub:Webhooks:Endpoints:0:Name=gateway",
            $"--Hub:Webhooks:Endpoints:0:Url={receiver.Url}/events",
            $"--Hub:Webhooks:Endpoints:0:Secret={Secret}",
            "--Hub:Webhooks:MaxAttempts=20",
            "--Hub:Webhooks:FirstRetryDelay=00:00:01",
            "--Hub:Webhooks:Timeout=00:00:10",
            // A row whose sender died is taken again when its lease runs out (longer than the request timeout).
            "--Hub:Outbox:LeaseDuration=00:00:15",
            "--Hub:Outbox:MaxRetryDelay=00:00:02",
            // Later pages of the same alerts are deliveries too; only the first page of each is waited for.
            "--Hub:Escalation:ReconcileInterval=01:00:00",
        ];
        try
        {
            var keys = new List<string>();
            string adminPassword;
            await using (var first = await HubProcess.StartAsync(HubProcess.HubDllUnderTest(), common, keepData: false, TimeSpan.FromSeconds(180), Ct))
            {
                adminPassword = first.AdminPassword;
                using var admin = await HubCluster.ClientAsync(first, HubProcess.AdminEmail, adminPassword);
                var pendants = await SeedPendantsAsync(admin, Alerts);
                foreach (var pendant in pendants)
                {
                    using var mqtt = new MqttClientFactory().CreateMqttClient();
                    await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", first.MqttPort)
                        .WithCredentials(pendant.Device.Id, pendant.Secret).WithClientId(pendant.Device.Id).WithTimeout(TimeSpan.FromSeconds(10)).Build(), Ct);
                    var puback = await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{pendant.Device.Id}/up")
                        .WithPayload(Senml.Sos(pendant.Device.Id, 1)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Ct);
                    Assert.True(puback.IsSuccess, $"PUBACK {puback.ReasonCode}");
                }
                var alerts = (await admin.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open", Ct))!;
                Assert.Equal(Alerts, alerts.Count);
                keys = [.. alerts.Select(a => $"webhook:gateway:alert.paged:alert-{a.Id}:page-0")];

                // Every first page has been tried and failed or is hanging in the receiver: then the hub dies.
                await Eventually.GetAsync(() => Task.FromResult(receiver.Seen()), seen => keys.All(seen.Contains) && receiver.Hanging == 1,
                    timeout: TimeSpan.FromSeconds(60), what: "every first page tried, one hanging");
                first.Kill();
            }
            Assert.All(keys, k => Assert.Equal(0, receiver.Accepted(k)));
            receiver.Healthy = true;

            await using (var second = await HubProcess.StartAsync(HubProcess.HubDllUnderTest(), [.. common, $"--Hub:FirstAdmin:Password={adminPassword}"],
                             keepData: false, TimeSpan.FromSeconds(180), Ct))
            {
                await Eventually.GetAsync(() => Task.FromResult(keys.Count(k => receiver.Accepted(k) > 0)), n => n == Alerts,
                    timeout: TimeSpan.FromSeconds(90), what: "every first page accepted after the restart");
                // Each row is marked sent once its receiver accepted it; once all are, nothing will send them again.
                await Eventually.GetAsync(() => Task.FromResult(States(dir, keys)), s => s.Values.All(v => v == "Sent"),
                    timeout: TimeSpan.FromSeconds(30), what: "every first page's row marked sent");
            }

            Assert.All(keys, k => Assert.Equal(1, receiver.Accepted(k)));
            // No delivery of any kind (later pages included) was accepted twice.
            Assert.All(receiver.AcceptedKeys().GroupBy(k => k), g => Assert.Single(g));
            // The hanging request's delivery was sent again with the same key after the restart (its lease ran out).
            Assert.Contains(receiver.HungKey, keys);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static Dictionary<string, string> States(string dir, IReadOnlyList<string> keys)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "hub.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT IdempotencyKey, State FROM OutboxMessages";
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (keys.Contains(reader.GetString(0)))
                states[reader.GetString(0)] = reader.GetString(1);
        }
        return states.Count == keys.Count ? states : [];
    }

    private static async Task<List<DeviceCredentials>> SeedPendantsAsync(HttpClient admin, int count)
    {
        var community = await HubApp.PostAsync<CommunityDto>(admin, "/api/communities", new CreateCommunityRequest("Outbox Community", null));
        var grid = await HubApp.PostAsync<GridDto>(admin, "/api/grids", new CreateGridRequest(community.Id, "Grid A"));
        var home = await HubApp.PostAsync<HouseholdDto>(admin, "/api/households", new CreateHouseholdRequest(grid.Id, "Bldg 1, Flat 101"));
        var resident = await HubApp.PostAsync<ResidentDto>(admin, "/api/residents", new CreateResidentRequest(home.Id, "Resident A", 1940, true));
        await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.WorkerA, HubApp.Password, "Worker A", Roles.GridWorker, null, grid.Id, null, null));
        var pendants = new List<DeviceCredentials>();
        for (var i = 0; i < count; i++)
            pendants.Add(await HubApp.PostAsync<DeviceCredentials>(admin, "/api/devices", new RegisterDeviceRequest("sos", null, null, null, null, resident.Id, null)));
        return pendants;
    }

    /// <summary>A gateway on 127.0.0.1: while not <see cref="Healthy"/>, the first request hangs (until the hub's side goes
    /// away) and the others get 503; then every request gets 200. Counts the accepted (200) requests by X-SC-Delivery.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Key, int Status)> _log = new();
        private int _hung;
        private int _hanging;

        private Receiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";
        public volatile bool Healthy;
        public string? HungKey { get; private set; }
        public int Hanging => Volatile.Read(ref _hanging);

        public HashSet<string> Seen() => [.. _log.Select(e => e.Key)];
        public int Accepted(string key) => _log.Count(e => e.Key == key && e.Status == 200);
        public List<string> AcceptedKeys() => [.. _log.Where(e => e.Status == 200).Select(e => e.Key)];

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/events", async (HttpContext http) =>
            {
                var key = http.Request.Headers["X-SC-Delivery"].ToString();
                await http.Request.Body.CopyToAsync(Stream.Null);
                if (!receiver.Healthy && Interlocked.CompareExchange(ref receiver._hung, 1, 0) == 0)
                {
                    receiver.HungKey = key;
                    receiver._log.Enqueue((key, 0));
                    Interlocked.Increment(ref receiver._hanging);
                    try
                    {
                        await Task.Delay(Timeout.Infinite, http.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        Interlocked.Decrement(ref receiver._hanging);
                    }
                    return;
                }
                var status = receiver.Healthy ? 200 : 503;
                receiver._log.Enqueue((key, status));
                http.Response.StatusCode = status;
            });
            await app.StartAsync();
            receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
