using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>
/// Web Push under attack and failure, on the real hub with real sockets on 127.0.0.1: a push endpoint that accepts
/// TCP and never answers (a tarpit), endpoints that point into the hub's own network (SSRF), and the families of a
/// household with several residents. Pushes are decrypted here as a browser would (RFC 8291).
/// </summary>
public sealed class WebPushTests
{
    // The unguessable part of an endpoint URL: whoever knows it can push to that browser, so it must never be logged.
    private const string Capability = "cap-7f3e9a1c5b2d4e6f8a0b";

    [Fact]
    public void Rfc8291Decryption_TheRfcsExampleMessage_GivesItsPlaintext()
    {
        // RFC 8291 Appendix A: the example of §5 (Push Message Encryption), with every key given.
        var uaPublic = Base64Url("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4");
        using var ua = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Base64Url("q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"),
            Q = new ECPoint { X = uaPublic[1..33], Y = uaPublic[33..65] },
        });
        var body = Base64Url("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN");

        var plaintext = Rfc8291.Decrypt(body, ua, uaPublic, Base64Url("BTBZMqHH6r4Tts7J_aSIgg"));

        Assert.Equal("When I grow up, I want to be a watermelon", plaintext);
        // A flipped bit in the ciphertext fails authentication: the decryption really checks.
        body[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => Rfc8291.Decrypt(body, ua, uaPublic, Base64Url("BTBZMqHH6r4Tts7J_aSIgg")));
    }

    [Fact]
    public async Task WebPush_OneEndpointNeverAnswers_PushesToOthersArrive_TheTimeoutIsCountedAndPushGoesOn()
    {
        using var tarpit = Tarpit.Start();
        await using var receiver = await LocalReceiver.StartAsync(_ => 201);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new LogCapture();
        await using var hub = new HubApp(time: time, settings: new Dictionary<string, string?>
        {
            // Loopback endpoints are refused unless the operator lists them: the tarpit and the receiver stand in for push services.
            ["Hub:WebPush:AllowedEndpoints:0"] = tarpit.Url,
            ["Hub:WebPush:AllowedEndpoints:1"] = receiver.Url,
            ["Logging:LogLevel:Default"] = "Trace",
        })
        {
            ConfigureHost = b => b.ConfigureLogging(l => l.AddProvider(logs).AddFilter<LogCapture>(null, LogLevel.Trace)),
        };
        hub.Start();
        using var metrics = new PushMetrics(hub);
        var world = await hub.SeedWorldAsync();
        var family = new PushKeys();
        var worker = new PushKeys();
        await SubscribeAsync(hub, World.FamilyA, $"{tarpit.Url}/push/{Capability}", family);
        await SubscribeAsync(hub, World.WorkerA, $"{receiver.Url}/push/worker-a", worker);

        // Each alert pages the grid worker (working receiver) and tells the family (tarpit).
        var first = await RaiseSosAsync(hub, world, "sos-1", time.GetUtcNow());
        var second = await RaiseSosAsync(hub, world, "sos-2", time.GetUtcNow());

        // Both pages arrive while the tarpit still holds the family's pushes: the hub's clock has not moved, so no
        // timeout has ended them. One slow endpoint does not hold up the others.
        Assert.Equal([first.Id, second.Id], await AlertIdsAsync(receiver, "/push/worker-a", worker, 2));
        // Both of the family's pushes in the tarpit before the clock moves: a request started after the advance would start
        // its timeout after it too, and never see it end (CI once counted one timeout of two).
        await Eventually.GetAsync(() => Task.FromResult(tarpit.Accepted), n => n >= 2, what: "both of the family's pushes reaching the tarpit");
        Assert.Equal(0, metrics.Count("timeout"));

        // Past the per-request timeout (10 s by default, on the hub's clock) the tarpit's requests fail and are counted …
        time.Advance(TimeSpan.FromSeconds(11));
        await Eventually.GetAsync(() => Task.FromResult(metrics.Count("timeout")), n => n == 2, what: "two timeouts counted");

        // … and Web Push goes on: a third alert reaches the worker.
        var third = await RaiseSosAsync(hub, world, "sos-3", time.GetUtcNow());
        Assert.Contains(third.Id, await AlertIdsAsync(receiver, "/push/worker-a", worker, 3));
        await Eventually.GetAsync(() => Task.FromResult(metrics.Count("sent")), n => n == 3, what: "three pushes counted as sent");

        // Logged with the host only: the endpoint's path is a capability and appears in no log entry at all (Trace),
        // not even when the browser unsubscribes with it in the query string.
        using (var http = await hub.ClientAsync(World.FamilyA))
        {
            var gone = await http.DeleteAsync("/api/notifications/subscriptions?endpoint=" + Uri.EscapeDataString($"{tarpit.Url}/push/{Capability}"));
            Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        }
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("127.0.0.1", StringComparison.Ordinal) && e.Text.Contains("timeout", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Text.Contains(Capability, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Subscribe_EndpointsIntoTheHubsNetworkOrNotAPushService_AreRefusedWithProblemDetails()
    {
        await using var hub = new HubApp();
        hub.Start();
        using var metrics = new PushMetrics(hub);
        await hub.SeedWorldAsync();
        using var family = await hub.ClientAsync(World.FamilyA);
        var keys = new PushKeys();
        string[] refused =
        [
            // The findings.
            "http://127.0.0.1:8080/push", "https://localhost/push", "https://[::1]/push", "https://10.0.0.1/push", "file:///etc/passwd",
            // Their relatives.
            "https://127.0.0.1/push", "https://127.1/push", "https://0x7f000001/push", "https://localhost./push", "https://push.localhost/x",
            "https://[::ffff:127.0.0.1]/push", "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/push", "https://192.168.1.1/push",
            "https://172.16.0.1/push", "https://[fd00::1]/push", "https://[fe80::1]/push", "https://224.0.0.1/push", "https://0.0.0.0/push",
            "https://intranet/push", "https://printer.local/push", "http://fcm.googleapis.com/fcm/send/x", "https://fcm.googleapis.com:8443/fcm/send/x",
            "https://user:pw@fcm.googleapis.com/fcm/send/x", "https://evil.example.com/push", "https://fcm.googleapis.com.evil.example/x",
            "gopher://fcm.googleapis.com/x", "not a url", "",
        ];

        var accepted = new List<string>();
        var reasons = new Dictionary<string, string>();
        foreach (var endpoint in refused)
        {
            var response = await family.PostAsJsonAsync("/api/notifications/subscriptions", keys.Request(endpoint));
            if (response.StatusCode != HttpStatusCode.BadRequest)
            {
                accepted.Add($"{endpoint} → {(int)response.StatusCode}");
                continue;
            }
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            reasons[endpoint] = problem.GetProperty("errors").GetProperty("endpoint")[0].GetString()!;
        }

        Assert.True(accepted.Count == 0, "accepted: " + string.Join(", ", accepted));
        // The reason says what is wrong.
        Assert.Contains("not a public address", reasons["https://10.0.0.1/push"], StringComparison.Ordinal);
        Assert.Contains("not a public address", reasons["https://[::1]/push"], StringComparison.Ordinal);
        Assert.Contains("not a public host name", reasons["https://localhost/push"], StringComparison.Ordinal);
        Assert.Contains("https", reasons["http://127.0.0.1:8080/push"], StringComparison.Ordinal);
        Assert.Contains("not an allowed push service", reasons["https://evil.example.com/push"], StringComparison.Ordinal);
        Assert.Equal(refused.Length, metrics.Count("subscriptions_refused"));
        await using var scope = hub.Services.CreateAsyncScope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<HubDbContext>().PushSubscriptions.CountAsync());
        // The browsers' push services are accepted (nothing is sent to them here).
        foreach (var endpoint in new[] { "https://fcm.googleapis.com/fcm/send/abc:def", "https://updates.push.services.mozilla.com/wpush/v2/gAAA", "https://web.push.apple.com/QGuQ", "https://wns2-par02p.notify.windows.com/w/?token=x" })
            Assert.Equal(HttpStatusCode.NoContent, (await family.PostAsJsonAsync("/api/notifications/subscriptions", keys.Request(endpoint))).StatusCode);
    }

    [Fact]
    public async Task WebPush_StoredEndpointOnLoopback_IsRefusedAtSendTimeAndCounted_TheHubNeverConnects()
    {
        using var tarpit = Tarpit.Start();
        await using var hub = new HubApp();
        hub.Start();
        using var metrics = new PushMetrics(hub);
        var world = await hub.SeedWorldAsync();
        // A row from before the check, or written behind the API's back: https on a loopback address.
        await using (var scope = hub.Services.CreateAsyncScope())
        {
            var familyId = (await scope.ServiceProvider.GetRequiredService<UserManager<HubUser>>().FindByEmailAsync(World.FamilyA))!.Id;
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            var keys = new PushKeys();
            db.PushSubscriptions.Add(new PushSubscriptionRecord
            {
                UserId = familyId, Endpoint = $"https://127.0.0.1:{tarpit.Port}/push/{Capability}", P256dh = keys.P256dh, Auth = keys.Auth, CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
        }

        await RaiseSosAsync(hub, world, "sos-ssrf");

        await Eventually.GetAsync(() => Task.FromResult(metrics.Count("refused")), n => n == 1, what: "the refusal counted");
        Assert.Equal(0, tarpit.Accepted);
    }

    [Fact]
    public async Task WebPushClient_NameThatResolvesToLoopback_IsRefusedBeforeConnecting()
    {
        using var tarpit = Tarpit.Start();
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:WebPush:AllowedHosts:0"] = "*" });
        hub.Start();
        // The push client itself (what the sender uses): the name passes no policy here, only the address check on
        // connect stands between it and the hub's network, as after a DNS rebinding. "localhost" resolves through
        // /etc/hosts to 127.0.0.1.
        using var client = hub.Services.GetRequiredService<IHttpClientFactory>().CreateClient(WebPushSender.HttpClientName);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        foreach (var url in new[] { $"https://localhost:{tarpit.Port}/push/x", $"http://localhost:{tarpit.Port}/push/x", $"https://127.0.0.1:{tarpit.Port}/push/x" })
        {
            var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(url, new ByteArrayContent([1]), timeout.Token));
            Assert.IsType<PushEndpointRefusedException>(error.InnerException);
        }

        Assert.Equal(0, tarpit.Accepted);
    }

    [Fact]
    public async Task HouseholdDeviceOfNoResident_ReachesTheFamiliesOfEveryResidentThere_AndNoOtherFamily()
    {
        await using var receiver = await LocalReceiver.StartAsync(_ => 201);
        await using var hub = new HubApp(settings: new Dictionary<string, string?> { ["Hub:WebPush:AllowedEndpoints:0"] = receiver.Url });
        hub.Start();
        var world = await hub.SeedWorldAsync();
        // Flat 102 in grid A: two residents, each with their own family. Family A (flat 101, same grid) is the outsider.
        using var admin = await hub.AdminAsync();
        var home = await HubApp.PostAsync<HouseholdDto>(admin, "/api/households", new CreateHouseholdRequest(world.GridA, "Bldg 1, Flat 102"));
        var one = await HubApp.PostAsync<ResidentDto>(admin, "/api/residents", new CreateResidentRequest(home.Id, "Resident C1", 1938, false));
        var two = await HubApp.PostAsync<ResidentDto>(admin, "/api/residents", new CreateResidentRequest(home.Id, "Resident C2", 1941, true));
        const string familyOne = "family.c1@test.local", familyTwo = "family.c2@test.local";
        await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(familyOne, HubApp.Password, "Family C1", Roles.Family, null, null, [one.Id], null));
        await HubApp.PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(familyTwo, HubApp.Password, "Family C2", Roles.Family, null, null, [two.Id], null));
        var smoke = await hub.RegisterDeviceAsync("smoke", householdId: home.Id, id: "smoke-c", location: "Kitchen");
        // C2's own wearable, registered with the household too: C2's family's, not C1's.
        var wearable = await hub.RegisterDeviceAsync("wearable", householdId: home.Id, residentId: two.Id, id: "wear-c2");

        var keys = new Dictionary<string, PushKeys>();
        var raised = new Dictionary<string, ConcurrentQueue<AlertDto>>();
        var connections = new List<HubConnection>();
        foreach (var (email, path) in new[] { (familyOne, "c1"), (familyTwo, "c2"), (World.FamilyA, "a") })
        {
            keys[path] = new PushKeys();
            await SubscribeAsync(hub, email, $"{receiver.Url}/push/{path}", keys[path]);
            var seen = raised[path] = new ConcurrentQueue<AlertDto>();
            var connection = await hub.SignalRAsync(email);
            connection.On<AlertDto>("AlertRaised", seen.Enqueue);
            await connection.StartSubscribedAsync();
            connections.Add(connection);
        }
        try
        {
            using var mqtt = await hub.ConnectDeviceAsync(smoke);
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"sc/v1/{smoke.Device.Id}/up")
                .WithPayload(Senml.Pack(smoke.Device.Id, 1, "{\"n\":\"smoke\",\"vb\":true}")).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

            // Live (SignalR) and on the phone (Web Push), for both families of the flat.
            var alarm = await Eventually.GetAsync(() => Task.FromResult(raised["c1"].FirstOrDefault(a => a.Kind == "smoke")), a => a is not null, what: "the alarm on family C1's board");
            Assert.Equal((null, home.Id), (alarm!.ResidentId, alarm.HouseholdId));
            await Eventually.GetAsync(() => Task.FromResult(raised["c2"].Any(a => a.Id == alarm.Id)), x => x, what: "the alarm on family C2's board");
            foreach (var path in new[] { "c1", "c2" })
                Assert.Contains(alarm.Id, await AlertIdsAsync(receiver, $"/push/{path}", keys[path], 1));

            // Read access follows: the alert, its history under each resident, and the detector's readings.
            foreach (var email in new[] { familyOne, familyTwo })
            {
                using var http = await hub.ClientAsync(email);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/alerts/{alarm.Id}")).StatusCode);
                Assert.Contains((await http.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=open"))!, a => a.Id == alarm.Id);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/devices/{smoke.Device.Id}/readings/latest")).StatusCode);
            }
            using (var http = await hub.ClientAsync(familyOne))
            {
                Assert.Contains((await http.GetFromJsonAsync<List<AlertDto>>($"/api/alerts?status=all&residentId={one.Id}&household=true"))!, a => a.Id == alarm.Id);
                var detail = (await http.GetFromJsonAsync<ResidentDetailDto>($"/api/residents/{one.Id}"))!;
                Assert.Contains(detail.Devices, d => d.Id == smoke.Device.Id);
                Assert.DoesNotContain(detail.Devices, d => d.Id == wearable.Device.Id);
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/devices/{wearable.Device.Id}/readings/latest")).StatusCode);
            }

            // Never another household's family. A fence: an SOS of family A's own relative, pushed after the alarm.
            var sos = await RaiseSosAsync(hub, world, "sos-fence");
            await Eventually.GetAsync(() => Task.FromResult(raised["a"].Any(a => a.Id == sos.Id)), x => x, what: "family A's own alert");
            Assert.DoesNotContain(raised["a"], a => a.Id == alarm.Id);
            Assert.DoesNotContain(alarm.Id, await AlertIdsAsync(receiver, "/push/a", keys["a"], 1));
            using var outsider = await hub.ClientAsync(World.FamilyA);
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/alerts/{alarm.Id}")).StatusCode);
            Assert.DoesNotContain((await outsider.GetFromJsonAsync<List<AlertDto>>("/api/alerts?status=all"))!, a => a.Id == alarm.Id);
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/devices/{smoke.Device.Id}/readings/latest")).StatusCode);
        }
        finally
        {
            foreach (var c in connections)
                await c.DisposeAsync();
        }
    }

    private static async Task SubscribeAsync(HubApp hub, string email, string endpoint, PushKeys keys)
    {
        using var http = await hub.ClientAsync(email);
        var response = await http.PostAsJsonAsync("/api/notifications/subscriptions", keys.Request(endpoint));
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"subscribe {endpoint}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static Task<Alert> RaiseSosAsync(HubApp hub, World world, string deviceId, DateTimeOffset? at = null) =>
        hub.Services.GetRequiredService<AlertService>().RaiseAsync(
            new AlertSignal(deviceId, AlertKind.Sos, Severity.Critical, "SOS button pressed", at ?? DateTimeOffset.UtcNow),
            new AlertPlace(world.ResidentA, world.HouseholdA, world.GridA, world.CommunityId), CancellationToken.None);

    /// <summary>The alert ids of the pushes a path received, decrypted with its subscriber's keys, once there are at least <paramref name="atLeast"/>.</summary>
    private static async Task<List<long>> AlertIdsAsync(LocalReceiver receiver, string path, PushKeys keys, int atLeast)
    {
        var pushes = await Eventually.GetAsync(() => Task.FromResult(receiver.Requests.Where(r => r.Path == path).ToList()), l => l.Count >= atLeast,
            what: $"{atLeast} pushes at {path}");
        return pushes.Select(p => JsonSerializer.Deserialize<PushPayload>(keys.Decrypt(p.Body), JsonSerializerOptions.Web)!.AlertId).Order().ToList();
    }

    private static byte[] Base64Url(string s) => Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/').PadRight((s.Length + 3) / 4 * 4, '='));

    /// <summary>A browser's side of a subscription: its P-256 key pair and auth secret.</summary>
    private sealed class PushKeys
    {
        private readonly ECDiffieHellman _ua = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        private readonly byte[] _public;
        private readonly byte[] _auth = RandomNumberGenerator.GetBytes(16);

        public PushKeys()
        {
            var q = _ua.ExportParameters(false).Q;
            _public = [0x04, .. q.X!, .. q.Y!];
        }

        public string P256dh => VapidKeys.Base64Url(_public);
        public string Auth => VapidKeys.Base64Url(_auth);
        public SubscribeRequest Request(string endpoint) => new(endpoint, new SubscriptionKeys(P256dh, Auth));
        public string Decrypt(byte[] body) => Rfc8291.Decrypt(body, _ua, _public, _auth);
    }

    /// <summary>Accepts TCP connections on 127.0.0.1 and never sends a byte: an endpoint that hangs every request.</summary>
    private sealed class Tarpit : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly ConcurrentBag<Socket> _held = [];
        private int _accepted;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
        public string Url => $"http://127.0.0.1:{Port}";
        public int Accepted => Volatile.Read(ref _accepted);

        public static Tarpit Start()
        {
            var tarpit = new Tarpit();
            tarpit._listener.Start();
            _ = tarpit.AcceptAsync();
            return tarpit;
        }

        private async Task AcceptAsync()
        {
            // Ends when the listener is stopped; a test makes a handful of connections.
            while (true)
            {
                try
                {
                    _held.Add(await _listener.AcceptSocketAsync());
                    Interlocked.Increment(ref _accepted);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            foreach (var socket in _held)
                socket.Dispose();
        }
    }

    /// <summary>This hub's sc.webpush.* counters (other hubs in the run have their own meter factory): failures by reason, "sent", "subscriptions_refused".</summary>
    private sealed class PushMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<string> _events = new();

        public PushMetrics(HubApp hub)
        {
            var factory = hub.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == HubMetrics.MeterName && instrument.Meter.Scope == factory && instrument.Name.StartsWith("sc.webpush.", StringComparison.Ordinal))
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var name = instrument.Name["sc.webpush.".Length..];
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                        name = (string)tag.Value!;
                }
                for (var i = 0; i < value; i++)
                    _events.Enqueue(name);
            });
            _listener.Start();
        }

        public int Count(string what) => _events.Count(e => e == what);

        public void Dispose() => _listener.Dispose();
    }

    private sealed record LogEntry(LogLevel Level, string Category, string Text);

    /// <summary>Every log message with its properties and exception.</summary>
    private sealed class LogCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<LogEntry> _entries = new();

        public IReadOnlyCollection<LogEntry> Entries => _entries;

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var text = new System.Text.StringBuilder(formatter(state, exception));
                if (state is IEnumerable<KeyValuePair<string, object?>> values)
                {
                    foreach (var (key, value) in values)
                        text.Append(" | ").Append(key).Append('=').Append(value);
                }
                if (exception is not null)
                    text.Append(" | ").Append(exception);
                entries.Enqueue(new LogEntry(logLevel, category, text.ToString()));
            }
        }
    }
}
