using System.Diagnostics.Metrics;

namespace SmartCommunity.Hub.Hosting;

/// <summary>
/// The hub's instruments (meter "SmartCommunity.Hub"), readable with dotnet-counters or any
/// OpenTelemetry exporter; the same numbers are summarised at /api/stats for technicians.
/// </summary>
public sealed class HubMetrics : IDisposable
{
    public const string MeterName = "SmartCommunity.Hub";
    private readonly Meter _meter;
    private readonly Counter<long> _messages;
    private readonly Counter<long> _readings;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _alerts;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _brokerAcks;
    private readonly Counter<long> _escalationRepaired;
    private readonly Counter<long> _mqttDropped;
    private readonly Counter<long> _gatewayPaced;
    private long _brokerAcksTotal;
    private long _messagesTotal, _readingsTotal, _rejectionsTotal, _alertsTotal;

    public HubMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _messages = _meter.CreateCounter<long>("sc.messages.accepted", description: "MQTT messages accepted from devices");
        _readings = _meter.CreateCounter<long>("sc.readings.accepted", description: "SenML records accepted (readings/s is its rate)");
        _rejections = _meter.CreateCounter<long>("sc.messages.rejected", description: "Messages refused, by reason");
        _alerts = _meter.CreateCounter<long>("sc.alerts.raised", description: "Alerts raised, by kind and severity");
        _rateLimited = _meter.CreateCounter<long>("sc.http.rate_limited", description: "HTTP requests refused with 429, by limit (user, anonymous_client, sign_in_client, sign_in_account)");
        _gatewayPaced = _meter.CreateCounter<long>("sc.messages.gateway_paced", description: "Forwarded messages a community gateway was asked to send again later (PUBACK 0x97: the device is over its message budget); not rejections, nothing is lost");
        _mqttDropped = _meter.CreateCounter<long>("sc.mqtt.connections_dropped", description: "MQTT connections the frame guard ended, by reason (malformed, truncated, packet_timeout, idle_timeout)");
        _brokerAcks = _meter.CreateCounter<long>("sc.broker.acknowledged", description: "Messages acknowledged to the external broker, each once its alerts were persisted and its readings durable");
        _escalationRepaired = _meter.CreateCounter<long>("sc.escalation.repaired", description: "Escalation steps whose timer was missing or stuck and was scheduled again from the alert, by reason (missing, overdue)");
    }

    public Func<long>? QueueDepth { get; set; }

    public void ObserveQueueDepth(Func<long> depth)
    {
        QueueDepth = depth;
        _meter.CreateObservableGauge("sc.telemetry.queue_depth", depth, description: "Readings waiting to be stored");
    }

    public void Accepted(int records)
    {
        _messages.Add(1);
        _readings.Add(records);
        Interlocked.Increment(ref _messagesTotal);
        Interlocked.Add(ref _readingsTotal, records);
    }

    public void Rejected(string reason)
    {
        _rejections.Add(1, new KeyValuePair<string, object?>("reason", reason));
        Interlocked.Increment(ref _rejectionsTotal);
    }

    public void AlertRaised(string kind, string severity)
    {
        _alerts.Add(1, new("kind", kind), new("severity", severity));
        Interlocked.Increment(ref _alertsTotal);
    }

    public void BrokerAcknowledged()
    {
        _brokerAcks.Add(1);
        Interlocked.Increment(ref _brokerAcksTotal);
    }

    public long BrokerAcknowledgedTotal => Interlocked.Read(ref _brokerAcksTotal);

    public void EscalationRepaired(string reason) => _escalationRepaired.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void MqttConnectionDropped(string reason) => _mqttDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void GatewayPaced() => _gatewayPaced.Add(1);

    public void RateLimited(string limit) => _rateLimited.Add(1, new KeyValuePair<string, object?>("limit", limit));

    public StatsDto Snapshot(int devices, int connected) => new(
        Interlocked.Read(ref _messagesTotal), Interlocked.Read(ref _readingsTotal), Interlocked.Read(ref _rejectionsTotal),
        Interlocked.Read(ref _alertsTotal), QueueDepth?.Invoke() ?? 0, devices, connected);

    public void Dispose() => _meter.Dispose();
}

public sealed record StatsDto(long MessagesAccepted, long ReadingsAccepted, long MessagesRejected, long AlertsRaised, long TelemetryQueueDepth, int Devices, int DevicesOnline);
