using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Places;

namespace SmartCommunity.Testing;

/// <summary>
/// The real hub on real sockets (Kestrel on 127.0.0.1: HTTP and MQTT on free ports) over a data directory that
/// outlives the process, so a test can stop and restart the hub on the same data.
/// <para>
/// Errors the hub logs are collected, and disposing a hub that logged one the test did not expect
/// (<see cref="ExpectLoggedErrors"/>) fails the test: a hub that logs an error while a test passes is a bug the test
/// would otherwise hide. Errors logged while the hub is stopping are kept apart (<see cref="ShutdownErrors"/>) and only
/// reported: Quartz jobs still running when the scheduler shuts down log them today (issue 17, a clean shutdown).
/// </para>
/// </summary>
public sealed class HubApp : IAsyncDisposable
{
    public const string AdminEmail = "admin@test.local";
    public const string Password = "Test-password-1";

    private WebApplicationFactory<Program>? _factory;
    private readonly bool _ownsDirectory;
    private readonly string? _ownedDatabase;
    private readonly ConcurrentQueue<string> _expectedErrors = new();
    private volatile bool _stopping;
    private bool _disposed;

    public HubApp(string? dataDirectory = null, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        Time = time;
        _ownsDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "sc-hub-" + Guid.NewGuid().ToString("N"));
        Settings = settings ?? new Dictionary<string, string?>();
        // SC_HUB_DB=postgres runs the whole suite on PostgreSQL: one database per data directory, so a restart on the
        // same directory finds the same database.
        if (ClusterServers.HubOnPostgres && !Settings.ContainsKey("Hub:Database:Provider"))
        {
            _ownedDatabase = ClusterServers.PostgresDatabase("sc_dir_" + Convert.ToHexStringLower(
                System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(DataDirectory)))[..24]);
            foreach (var (k, v) in ClusterServers.PostgresSettings(_ownedDatabase))
                Settings[k] = v;
        }
        HttpPort = FreePort.Next();
        MqttPort = FreePort.Next();
        HttpsPort = FreePort.Next();
        MqttTlsPort = FreePort.Next();
    }

    public string DataDirectory { get; }

    /// <summary>When set (e.g. a FakeTimeProvider), replaces the hub's clock.</summary>
    public TimeProvider? Time { get; }
    public IDictionary<string, string?> Settings { get; }

    /// <summary>Last word on the web host (e.g. an extra logger provider), applied after everything above.</summary>
    public Action<IWebHostBuilder>? ConfigureHost { get; init; }
    public int HttpPort { get; }
    public int MqttPort { get; }

    /// <summary>HTTPS and MQTT over TLS; listened on only when the settings configure a certificate (Hub:Tls:CertificatePath).</summary>
    public int HttpsPort { get; }
    public int MqttTlsPort { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>Every error (and critical) line the hub logged while running, with its category and exception, across restarts.</summary>
    public ConcurrentQueue<string> LoggedErrors { get; } = new();

    /// <summary>Errors logged while the hub was stopping (<see cref="StopAsync"/>, dispose): reported, not held against the test.</summary>
    public ConcurrentQueue<string> ShutdownErrors { get; } = new();
    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("not started");

    /// <summary>
    /// Errors this test provokes on purpose: a logged error whose category, text or exception contains one of
    /// <paramref name="fragments"/> does not fail the test at dispose. Name the error as narrowly as the test allows.
    /// </summary>
    public HubApp ExpectLoggedErrors(params string[] fragments)
    {
        foreach (var fragment in fragments)
            _expectedErrors.Enqueue(fragment);
        return this;
    }

    /// <summary>The logged errors no <see cref="ExpectLoggedErrors"/> fragment covers.</summary>
    public IReadOnlyList<string> UnexpectedErrors() =>
        [.. LoggedErrors.Where(e => !_expectedErrors.Any(f => e.Contains(f, StringComparison.Ordinal)))];

    public HubApp Start()
    {
        _stopping = false;
        _factory = new Factory(this);
        _factory.UseKestrel();
        _factory.StartServer();
        return this;
    }

    /// <summary>Stops the hub process-equivalent: hosted services stop, queues drain, sockets close.</summary>
    public async Task StopAsync()
    {
        if (_factory is null)
            return;
        _stopping = true;
        try
        {
            // Bounded (the host's own shutdown timeout is 30 s): a hosted service that ignores its stop token fails this
            // test with a reason instead of holding the whole run until CI's limit.
            await _factory.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException("The hub did not stop within 2 minutes: a hosted service or a connection ignored the stop", e);
        }
        finally
        {
            // Still stopping as far as the errors go until the next start: a job thread may log after the host is gone.
            _factory = null;
        }
    }

    /// <summary>Stops the hub, removes what it owns, then fails if it logged an error the test did not expect.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            await StopAsync();
        }
        finally
        {
            await RemoveOwnedDataAsync();
        }
        if (!ShutdownErrors.IsEmpty)
            TestContext.Current.TestOutputHelper?.WriteLine($"The hub logged {ShutdownErrors.Count} error(s) while stopping:\n{string.Join("\n", ShutdownErrors)}");
        var unexpected = UnexpectedErrors();
        if (unexpected.Count == 0)
            return;
        // When the test has already failed, its own failure is the news: the errors go to its output, not over it.
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"The hub also logged {unexpected.Count} error(s):\n{string.Join("\n", unexpected)}");
            return;
        }
        throw new UnexpectedLoggedErrorsException(unexpected);
    }

    /// <summary>Disposes every hub, even when one fails the test, then reports every failure.</summary>
    public static async Task DisposeAllAsync(IEnumerable<HubApp> hubs)
    {
        var failures = new List<Exception>();
        foreach (var hub in hubs)
        {
            try
            {
                await hub.DisposeAsync();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }
        if (failures.Count == 1)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures[0]);
        if (failures.Count > 1)
            throw new AggregateException(failures);
    }

    private async Task RemoveOwnedDataAsync()
    {
        if (!_ownsDirectory)
            return;
        if (_ownedDatabase is not null)
            await ClusterServers.DropDatabaseAsync(_ownedDatabase);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public HttpClient Anonymous() => new() { BaseAddress = BaseAddress };

    public async Task<string> TokenAsync(string email, string password = Password)
    {
        using var http = Anonymous();
        var response = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(email, password));
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>();
        return token!.AccessToken;
    }

    public async Task<HttpClient> ClientAsync(string email, string password = Password)
    {
        var http = Anonymous();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(email, password));
        return http;
    }

    public Task<HttpClient> AdminAsync() => ClientAsync(AdminEmail);

    public async Task<HubConnection> SignalRAsync(string email)
    {
        var token = await TokenAsync(email);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(BaseAddress, "/hubs/alerts"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        return connection;
    }

    public async Task<DeviceCredentials> RegisterDeviceAsync(string kind, int? householdId = null, int? residentId = null, string? id = null, string? location = null)
    {
        using var admin = await AdminAsync();
        var response = await admin.PostAsJsonAsync("/api/devices", new RegisterDeviceRequest(kind, id, location, null, householdId, residentId, null));
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"register failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<DeviceCredentials>())!;
    }

    public MqttClientOptions DeviceOptions(string deviceId, string secret, MqttProtocolVersion version = MqttProtocolVersion.V500, string? clientId = null) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", MqttPort)
            .WithCredentials(deviceId, secret)
            .WithClientId(clientId ?? deviceId)
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();

    public async Task<IMqttClient> ConnectDeviceAsync(DeviceCredentials device, MqttProtocolVersion version = MqttProtocolVersion.V500)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(DeviceOptions(device.Device.Id, device.Secret, version));
        return client;
    }

    /// <summary>Creates a small world: one community, grids A and B, one resident in each, and people for every role.</summary>
    public async Task<World> SeedWorldAsync()
    {
        using var admin = await AdminAsync();
        var community = await PostAsync<CommunityDto>(admin, "/api/communities", new CreateCommunityRequest("Test Community", null));
        var gridA = await PostAsync<GridDto>(admin, "/api/grids", new CreateGridRequest(community.Id, "Grid A"));
        var gridB = await PostAsync<GridDto>(admin, "/api/grids", new CreateGridRequest(community.Id, "Grid B"));
        var homeA = await PostAsync<HouseholdDto>(admin, "/api/households", new CreateHouseholdRequest(gridA.Id, "Bldg 1, Flat 101"));
        var homeB = await PostAsync<HouseholdDto>(admin, "/api/households", new CreateHouseholdRequest(gridB.Id, "Bldg 9, Flat 909"));
        var residentA = await PostAsync<ResidentDto>(admin, "/api/residents", new CreateResidentRequest(homeA.Id, "Resident A", 1940, true));
        var residentB = await PostAsync<ResidentDto>(admin, "/api/residents", new CreateResidentRequest(homeB.Id, "Resident B", 1942, false));
        var world = new World(community.Id, gridA.Id, gridB.Id, homeA.Id, homeB.Id, residentA.Id, residentB.Id);
        await PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.Staff, Password, "Staff", Roles.EmergencyStaff, community.Id, null, null, null));
        await PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.WorkerA, Password, "Worker A", Roles.GridWorker, null, gridA.Id, null, null));
        await PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.WorkerB, Password, "Worker B", Roles.GridWorker, null, gridB.Id, null, null));
        await PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.Technician, Password, "Tech", Roles.Technician, null, null, null, null));
        await PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.FamilyA, Password, "Family A", Roles.Family, null, null, [residentA.Id], null));
        await PostAsync<UserDto>(admin, "/api/users", new CreateUserRequest(World.FamilyB, Password, "Family B", Roles.Family, null, null, [residentB.Id], null));
        return world;
    }

    public static async Task<T> PostAsync<T>(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    private sealed record TokenResponse(string AccessToken);

    private sealed class Factory(HubApp app) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Hub:DataDirectory", app.DataDirectory);
            builder.UseSetting("Hub:BindAddress", "127.0.0.1");
            builder.UseSetting("Hub:HttpPort", app.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Hub:MqttPort", app.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Hub:Tls:HttpsPort", app.HttpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Hub:Tls:MqttTlsPort", app.MqttTlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Hub:FirstAdmin:Email", AdminEmail);
            builder.UseSetting("Hub:FirstAdmin:Password", Password);
            foreach (var (key, value) in app.Settings)
                builder.UseSetting(key, value);
            builder.ConfigureLogging(l => l.AddProvider(new ErrorCollector(app)));
            app.ConfigureHost?.Invoke(builder);
            if (app.Time is { } time)
            {
                builder.ConfigureServices(services =>
                {
                    services.RemoveAll<TimeProvider>();
                    services.AddSingleton(time);
                });
            }
        }
    }

    private sealed class ErrorCollector(HubApp app) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, app);
        public void Dispose() { }

        private sealed class Logger(string category, HubApp app) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Error)
                    (app._stopping ? app.ShutdownErrors : app.LoggedErrors).Enqueue($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}

/// <summary>A hub logged errors its test did not expect (see <see cref="HubApp.ExpectLoggedErrors"/>).</summary>
public sealed class UnexpectedLoggedErrorsException(IReadOnlyList<string> errors)
    : Exception($"The hub logged {errors.Count} error(s) the test did not expect (a test that provokes one names it with "
        + $"{nameof(HubApp)}.{nameof(HubApp.ExpectLoggedErrors)}):\n{string.Join("\n", errors)}")
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
