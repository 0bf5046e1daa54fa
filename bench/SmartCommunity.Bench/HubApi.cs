using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace SmartCommunity.Bench;

// The hub's wire shapes, declared here on purpose: the bench talks to the hub only over HTTP, MQTT and
// SignalR, like any client, and does not reference the hub's assemblies. Only the fields it reads.
public sealed record TokenResponse(string AccessToken);
public sealed record IdOnly(int Id);
public sealed record DeviceInfo(string Id);
public sealed record DeviceCredentials(DeviceInfo Device, string Secret);
public sealed record StatsDto(long MessagesAccepted, long ReadingsAccepted, long MessagesRejected, long AlertsRaised, long TelemetryQueueDepth, int Devices, int DevicesOnline);

/// <summary>A device as GET /api/devices shows it: refused messages, and how often its message budget ran dry (throttled).</summary>
public sealed record DeviceState(string Id, long Rejected, long Throttled);

public sealed record RejectionCount(string DeviceId, string Reason, long Count, string? LastDetail);
public sealed record Rejections(IReadOnlyList<RejectionCount> Counts);

/// <summary>An alert as pushed over SignalR (AlertDto on the hub), reduced to what matching needs.</summary>
public sealed record AlertView(long Id, string Kind, string Status, string DeviceId, int Occurrences, int Version);

/// <summary>The small world the run needs: one resident in one household, so SOS alerts land in the staff member's community.</summary>
public sealed record BenchWorld(int CommunityId, int GridId, int HouseholdId, int ResidentId, string StaffEmail, string StaffPassword);

/// <summary>The hub's HTTP API as the bench uses it: set-up, counters, resolving alerts.</summary>
public sealed class HubApi(Uri baseAddress, string accessToken) : IDisposable
{
    private readonly HttpClient _http = new()
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", accessToken) },
    };

    public static async Task<string> LoginAsync(Uri baseAddress, string email, string password, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.PostAsJsonAsync("/api/auth/login", new { email, password }, ct);
        await EnsureAsync(response, "POST /api/auth/login", ct);
        var token = await response.Content.ReadFromJsonAsync<TokenResponse>(ct);
        return token?.AccessToken ?? throw new InvalidOperationException("login returned no access token");
    }

    public async Task<BenchWorld> CreateWorldAsync(CancellationToken ct)
    {
        var community = await PostAsync<IdOnly>("/api/communities", new { name = "Bench Community" }, ct);
        var grid = await PostAsync<IdOnly>("/api/grids", new { communityId = community.Id, name = "Bench Grid" }, ct);
        var household = await PostAsync<IdOnly>("/api/households", new { gridId = grid.Id, address = "Bldg 1, Flat 101" }, ct);
        var resident = await PostAsync<IdOnly>("/api/residents", new { householdId = household.Id, name = "Bench Resident", birthYear = 1940, specialDifficulty = true }, ct);
        const string staff = "staff@bench.local";
        var password = "Staff-" + Guid.NewGuid().ToString("N")[..16] + "A1";
        await PostAsync<object>("/api/users", new { email = staff, password, displayName = "Bench Staff", role = "EmergencyStaff", communityId = community.Id }, ct);
        return new BenchWorld(community.Id, grid.Id, household.Id, resident.Id, staff, password);
    }

    /// <summary>Registers a device; the response is the only place its secret ever appears.</summary>
    public Task<DeviceCredentials> RegisterDeviceAsync(string kind, string id, int householdId, int? residentId, CancellationToken ct) =>
        PostAsync<DeviceCredentials>("/api/devices", new { kind, id, householdId, residentId }, ct);

    public async Task<StatsDto> StatsAsync(CancellationToken ct) =>
        await _http.GetFromJsonAsync<StatsDto>("/api/stats", ct) ?? throw new InvalidOperationException("empty /api/stats");

    public async Task<Counters> CountersAsync(CancellationToken ct)
    {
        var s = await StatsAsync(ct);
        return new Counters(s.MessagesAccepted, s.ReadingsAccepted, s.MessagesRejected, s.TelemetryQueueDepth);
    }

    /// <summary>Rejected messages by reason over the whole run (should be none: every pack the bench sends is valid).</summary>
    public async Task<IReadOnlyDictionary<string, long>> RejectionsByReasonAsync(CancellationToken ct)
    {
        var r = await _http.GetFromJsonAsync<Rejections>("/api/rejections?limit=1", ct);
        return (r?.Counts ?? []).GroupBy(c => c.Reason).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
    }

    public async Task<DeviceState> DeviceAsync(string id, CancellationToken ct) =>
        await _http.GetFromJsonAsync<DeviceState>($"/api/devices/{Uri.EscapeDataString(id)}", ct) ?? throw new InvalidOperationException($"empty /api/devices/{id}");

    public async Task<IReadOnlyList<DeviceState>> DevicesAsync(CancellationToken ct) =>
        await _http.GetFromJsonAsync<List<DeviceState>>("/api/devices", ct) ?? throw new InvalidOperationException("empty /api/devices");

    /// <summary>How many of the device's messages were refused for <paramref name="reason"/> (e.g. rate_limited) since the hub started.</summary>
    public async Task<long> RejectedAsync(string id, string reason, CancellationToken ct)
    {
        // 404 until the device has been seen or refused at all.
        using var response = await _http.GetAsync($"/api/devices/{Uri.EscapeDataString(id)}/rejections?limit=1", ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            return 0;
        await EnsureAsync(response, $"GET /api/devices/{id}/rejections", ct);
        var r = await response.Content.ReadFromJsonAsync<Rejections>(ct);
        return (r?.Counts ?? []).Where(c => c.Reason == reason).Sum(c => c.Count);
    }

    /// <summary>Closes an alert so that the device's next press raises a new one (instead of folding into it).</summary>
    public async Task ResolveAsync(long alertId, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync($"/api/alerts/{alertId}/resolve", new { outcome = "false_alarm", note = "bench" }, ct);
        await EnsureAsync(response, $"POST /api/alerts/{alertId}/resolve", ct);
    }

    /// <summary>Waits until the telemetry queue is empty, so one phase's backlog does not slow the next.</summary>
    public async Task WaitQueueEmptyAsync(TimeSpan deadline, CancellationToken ct)
    {
        var until = DateTime.UtcNow + deadline;
        while ((await StatsAsync(ct)).TelemetryQueueDepth > 0 && DateTime.UtcNow < until)
            await Task.Delay(100, ct);
    }

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken ct)
    {
        using var response = await _http.PostAsJsonAsync(path, body, ct);
        await EnsureAsync(response, "POST " + path, ct);
        return await response.Content.ReadFromJsonAsync<T>(ct) ?? throw new InvalidOperationException($"POST {path} returned nothing");
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    public void Dispose() => _http.Dispose();
}
