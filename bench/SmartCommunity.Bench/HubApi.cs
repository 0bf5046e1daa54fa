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

/// <summary>The small world the run needs: one resident in one household, so SOS alerts land in the staff member's community.
/// The household's community name and address are how an import file places devices in it.</summary>
public sealed record BenchWorld(int CommunityId, int GridId, int HouseholdId, int ResidentId, string StaffEmail, string StaffPassword,
    string CommunityName, string HouseholdAddress);

/// <summary>The import's answer (ImportReportDto on the hub), reduced to what the bench reads.</summary>
public sealed record ImportCredentials(string Csv);
public sealed record ImportProblem(int Line, string Column, string Code, string MessageEn);
public sealed record ImportReport(bool Applied, int Rows, int Created, IReadOnlyList<ImportProblem> Problems, ImportCredentials? Credentials);

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
        const string communityName = "Bench Community", address = "Bldg 1, Flat 101";
        var community = await PostAsync<IdOnly>("/api/communities", new { name = communityName }, ct);
        var grid = await PostAsync<IdOnly>("/api/grids", new { communityId = community.Id, name = "Bench Grid" }, ct);
        var household = await PostAsync<IdOnly>("/api/households", new { gridId = grid.Id, address }, ct);
        var resident = await PostAsync<IdOnly>("/api/residents", new { householdId = household.Id, name = "Bench Resident", birthYear = 1940, specialDifficulty = true }, ct);
        const string staff = "staff@bench.local";
        var password = "Staff-" + Guid.NewGuid().ToString("N")[..16] + "A1";
        await PostAsync<object>("/api/users", new { email = staff, password, displayName = "Bench Staff", role = "EmergencyStaff", communityId = community.Id }, ct);
        return new BenchWorld(community.Id, grid.Id, household.Id, resident.Id, staff, password, communityName, address);
    }

    /// <summary>Devices per import request: the hub takes up to 20,000 rows a file; smaller files keep each request's
    /// QR-code sheet (part of every import's answer) and time bounded, and let a long registration log its progress.</summary>
    public const int ImportBatch = 2_000;

    /// <summary>
    /// Registers devices of one kind in the world's household with one bulk-onboarding request (POST /api/onboarding/devices,
    /// applied), the administrator's way to add many: one request instead of one per device. The secrets come back once,
    /// in the answer's credentials CSV (device_id, kind, secret, provisioning).
    /// </summary>
    public async Task<IReadOnlyList<(string Id, string? Secret)>> ImportDevicesAsync(string kind, IReadOnlyList<string> ids, BenchWorld world, CancellationToken ct)
    {
        var file = new System.Text.StringBuilder("device_id,kind,community,address\r\n");
        foreach (var id in ids)
            file.Append(id).Append(',').Append(kind).Append(',').Append(Csv(world.CommunityName)).Append(',').Append(Csv(world.HouseholdAddress)).Append("\r\n");
        using var form = new MultipartFormDataContent();
        using var content = new StringContent(file.ToString(), System.Text.Encoding.UTF8, "text/csv");
        form.Add(content, "file", "devices.csv");
        // Thousands of rows and their QR codes take longer than the 30 s any other request gets on a busy box.
        using var http = new HttpClient { BaseAddress = _http.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Authorization = _http.DefaultRequestHeaders.Authorization;
        using var response = await http.PostAsync("/api/onboarding/devices?dryRun=false", form, ct);
        await EnsureAsync(response, "POST /api/onboarding/devices", ct);
        var report = await response.Content.ReadFromJsonAsync<ImportReport>(ct) ?? throw new InvalidOperationException("POST /api/onboarding/devices returned nothing");
        if (!report.Applied || report.Created != ids.Count || report.Credentials is null)
            throw new InvalidOperationException($"import of {ids.Count} {kind} devices: applied {report.Applied}, created {report.Created}; " +
                string.Join("; ", report.Problems.Take(5).Select(p => $"line {p.Line} {p.Column}: {p.MessageEn}")));
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in CsvRows(report.Credentials.Csv).Skip(1))
            if (row.Count >= 3)
                secrets[row[0]] = row[2];
        return [.. ids.Select(id => (id, (string?)(secrets.TryGetValue(id, out var secret) ? secret : throw new InvalidOperationException($"import: no secret for {id}"))))];
    }

    private static string Csv(string cell) => cell.IndexOfAny([',', '"', '\r', '\n']) < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>RFC 4180 records: quoted cells may hold commas, doubled quotes and line breaks (the provisioning column is JSON).</summary>
    internal static IEnumerable<List<string>> CsvRows(string text)
    {
        var row = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"')
                    cell.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"')
                    cell.Append(text[++i]);
                else
                    quoted = false;
            }
            else if (c == '"')
                quoted = true;
            else if (c == ',')
            {
                row.Add(cell.ToString());
                cell.Clear();
            }
            else if (c is '\r' or '\n')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    i++;
                row.Add(cell.ToString());
                cell.Clear();
                yield return row;
                row = [];
            }
            else if (c != '\uFEFF')
                cell.Append(c);
        }
        if (cell.Length > 0 || row.Count > 0)
        {
            row.Add(cell.ToString());
            yield return row;
        }
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
