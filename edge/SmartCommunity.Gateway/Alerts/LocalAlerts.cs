using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace SmartCommunity.Gateway.Alerts;

/// <summary>A life-safety alert the gateway raised itself while the hub was unreachable (contract: "Local alerts").</summary>
public sealed record LocalAlert(
    [property: JsonPropertyName("localId")] string LocalId,
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("seq")] uint? Seq,
    [property: JsonPropertyName("raisedAt")] DateTimeOffset RaisedAt,
    [property: JsonPropertyName("ackAt")] DateTimeOffset? AckAt,
    [property: JsonPropertyName("ackBy")] string? AckBy,
    [property: JsonPropertyName("resolvedAt")] DateTimeOffset? ResolvedAt)
{
    /// <summary>Whether the hub has this state of the alert (set once published after a reconnect; cleared by a change).</summary>
    [JsonPropertyName("reported")]
    public bool Reported { get; init; }

    /// <summary>The alert's number on the duty room's board (the dashboard keys alerts by a number); given at raise, kept on disk.</summary>
    [JsonPropertyName("number")]
    public long Number { get; init; }
}

public enum LocalAlertChange
{
    Raised,
    Acknowledged,
    /// <summary>Published to the hub: from now on the hub's alert is the one to act on.</summary>
    HandedOver,
}

/// <summary>
/// Local alerts: while the uplink is down, a life-safety message raises an alert on the gateway's board (for the
/// community's duty room), runs the sounder command, posts to the alert webhook and (<see cref="SmsAlerts"/>) texts the duty phones. Kept on disk (atomic write) so a
/// restart does not lose one; after reconnecting, the forwarder publishes each unreported one to
/// <c>sc/gw/v1/{id}/alert</c> before it replays the queue, so the hub makes one alert of it and the forwarded pack.
/// </summary>
public sealed class LocalAlerts
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan KeepReported = TimeSpan.FromDays(7);

    private readonly string _path;
    private readonly GatewayOptions _o;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalAlerts> _logger;
    private readonly Lock _lock = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private List<LocalAlert> _alerts = [];
    private long _lastNumber;

    public LocalAlerts(IOptions<GatewayOptions> options, TimeProvider time, ILogger<LocalAlerts> logger)
    {
        _o = options.Value;
        _time = time;
        _logger = logger;
        _path = Path.Combine(_o.DataDirectory, "local-alerts.json");
        if (File.Exists(_path))
        {
            try
            {
                _alerts = JsonSerializer.Deserialize<List<LocalAlert>>(File.ReadAllBytes(_path), Json) ?? [];
            }
            catch (JsonException ex)
            {
                _logger.LogError(ex, "Local alerts file {Path} unreadable; starting with none", _path);
            }
        }
        // A file from before alerts had numbers: number them in the order they were raised.
        _lastNumber = _alerts.Count == 0 ? 0 : _alerts.Max(a => a.Number);
        for (var i = 0; i < _alerts.Count; i++)
        {
            if (_alerts[i].Number == 0)
                _alerts[i] = _alerts[i] with { Number = ++_lastNumber };
        }
    }

    /// <summary>An alert raised, acknowledged or handed to the hub (the board pushes it to the duty room's screens).</summary>
    public event Action<LocalAlert, LocalAlertChange>? Changed;

    /// <summary>The alerts the hub does not have yet: the duty room's board (once reported, the hub's board has them).</summary>
    public IReadOnlyList<LocalAlert> Open
    {
        get
        {
            lock (_lock)
                return [.. _alerts.Where(a => !a.Reported).OrderByDescending(a => a.RaisedAt)];
        }
    }

    /// <summary>Every alert kept (the hub's ones for 7 days after reporting), newest first.</summary>
    public IReadOnlyList<LocalAlert> All
    {
        get
        {
            lock (_lock)
                return [.. _alerts.OrderByDescending(a => a.RaisedAt)];
        }
    }

    public IReadOnlyList<LocalAlert> Unreported
    {
        get
        {
            lock (_lock)
                return [.. _alerts.Where(a => !a.Reported).OrderBy(a => a.RaisedAt)];
        }
    }

    /// <summary>After a local alert is raised and stored (the SMS to the duty phones).</summary>
    public event Action<LocalAlert>? Raised;

    public LocalAlert? Find(string localId)
    {
        lock (_lock)
            return _alerts.Find(a => a.LocalId == localId);
    }

    public LocalAlert Raise(string deviceId, string kind, uint? seq, DateTimeOffset at)
    {
        LocalAlert alert;
        lock (_lock)
        {
            alert = new LocalAlert(Guid.NewGuid().ToString(), deviceId, kind, seq, at, null, null, null) { Number = ++_lastNumber };
            var cutoff = _time.GetUtcNow() - KeepReported;
            _alerts.RemoveAll(a => a.Reported && a.RaisedAt < cutoff);
            _alerts.Add(alert);
            Save();
        }
        _logger.LogCritical("Local alert {LocalId}: {Kind} from {DeviceId} (seq {Seq}) while the hub is unreachable", alert.LocalId, kind, deviceId, seq);
        Changed?.Invoke(alert, LocalAlertChange.Raised);
        _ = SoundAsync(alert);
        try
        {
            Raised?.Invoke(alert);
        }
        catch (Exception ex)
        {
            // The alert is stored and on the board: a failing listener must not undo the device's acknowledgement.
            _logger.LogError(ex, "Local alert {LocalId}: a listener failed", alert.LocalId);
        }
        return alert;
    }

    /// <summary>Acknowledged on the duty room's board: only an alert the hub does not have yet (the hub's staff handle the
    /// rest). Null when there is no such alert or it was acknowledged already.</summary>
    public LocalAlert? AcknowledgeOpen(long number, string by)
    {
        LocalAlert acked;
        lock (_lock)
        {
            var i = _alerts.FindIndex(a => a.Number == number && !a.Reported);
            if (i < 0 || _alerts[i].AckAt is not null)
                return null;
            acked = _alerts[i] = _alerts[i] with { AckAt = _time.GetUtcNow(), AckBy = by, Reported = false };
            Save();
        }
        _logger.LogInformation("Local alert {LocalId} acknowledged at the gateway by {By}", acked.LocalId, by);
        Changed?.Invoke(acked, LocalAlertChange.Acknowledged);
        return acked;
    }

    public void MarkReported(LocalAlert reported)
    {
        lock (_lock)
        {
            var i = _alerts.FindIndex(a => a.LocalId == reported.LocalId);
            // Only the state that was published: an acknowledgement since then is published next time.
            if (i < 0 || _alerts[i] != reported)
                return;
            _alerts[i] = reported with { Reported = true };
            Save();
        }
        Changed?.Invoke(reported with { Reported = true }, LocalAlertChange.HandedOver);
    }

    private void Save()
    {
        var temp = _path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, _alerts, Json);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, _path, overwrite: true);
    }

    /// <summary>The sounder command (arguments: device id, alert kind) and the webhook (the alert as JSON).</summary>
    private async Task SoundAsync(LocalAlert alert)
    {
        if (!string.IsNullOrWhiteSpace(_o.SounderCommand))
        {
            try
            {
                var start = new ProcessStartInfo(_o.SounderCommand) { UseShellExecute = false };
                start.ArgumentList.Add(alert.DeviceId);
                start.ArgumentList.Add(alert.Kind);
                using var process = Process.Start(start);
                if (process is not null)
                    await process.WaitForExitAsync();
                if (process is { ExitCode: not 0 })
                    _logger.LogError("Sounder command {Command} exited with {Code} for local alert {LocalId}", _o.SounderCommand, process.ExitCode, alert.LocalId);
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                _logger.LogError(ex, "Sounder command {Command} failed for local alert {LocalId}", _o.SounderCommand, alert.LocalId);
            }
        }
        if (_o.AlertWebhook is { } webhook)
        {
            try
            {
                using var response = await _http.PostAsJsonAsync(webhook, alert, Json);
                if (!response.IsSuccessStatusCode)
                    _logger.LogError("Alert webhook answered {Status} for local alert {LocalId}", (int)response.StatusCode, alert.LocalId);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                _logger.LogError("Alert webhook failed for local alert {LocalId}: {Error}", alert.LocalId, ex.Message);
            }
        }
    }
}
