using System.Text.Json;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.EarlyWarning.Routines;
using SmartCommunity.EarlyWarning.Streaming;
using SmartCommunity.EarlyWarning.Watches;

namespace SmartCommunity.EarlyWarning;

/// <summary>Where a reading came from, as far as early warning cares.</summary>
public readonly record struct Source(string DeviceId, DeviceKind Kind, RuleContext Rules, int? ResidentId);

/// <summary>
/// Routes readings to the per-series detectors, the per-resident routines and the environmental watches,
/// and collects their findings. Not thread-safe by design: the hub feeds it from one queue consumer, which
/// keeps every detector single-writer without locks. Learned state (detectors, routines) is saved and
/// restored; the short-memory watches (trends over the last hour) simply relearn after a restart.
/// </summary>
public sealed class EarlyWarningEngine(DetectorOptions? detectorOptions = null, RoutineOptions? routineOptions = null)
{
    private const int SnapshotVersion = 1;
    private static readonly string[] DetectedMeasurements = ["temp", "hum", "gas"];

    private readonly DetectorOptions _detector = detectorOptions ?? DetectorOptions.Default;
    private readonly Dictionary<string, SeriesMonitor> _series = new(StringComparer.Ordinal);
    // The newest reading each detected series has taken: a successor replays from here, by reading time (a node's buffered
    // pack that arrived after the last save carries readings older than that save).
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);
    private readonly Dictionary<int, RoutineMonitor> _routines = [];
    private readonly Dictionary<string, ClimateWatch> _climate = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GasWatch> _gas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DoorWatch> _doors = new(StringComparer.Ordinal);
    private readonly FeedbackGate _feedback = new();
    // The explanations' clock times ("since 18:05") are read in the communities' zone, as the routines are.
    private readonly TimeZoneInfo _zone = routineOptions?.TimeZone ?? TimeZoneInfo.Utc;

    public int SeriesCount => _series.Count;

    /// <summary>Detectors in the last loaded state that could not be restored (an older state version) and relearn.</summary>
    public int SkippedOnLoad { get; private set; }
    public int ResidentCount => _routines.Count;
    public IEnumerable<string> SeriesIds => _series.Keys;

    /// <summary>Operator "false alarm" verdicts applied so far (all series).</summary>
    public int FalseAlarmCount => _series.Values.Sum(s => s.Detector.FalseAlarms);

    /// <summary>Operators' verdicts on the watches' findings.</summary>
    public FeedbackGate Feedback => _feedback;

    public static string SeriesId(string deviceId, string measurement) => $"{deviceId}/{measurement}";

    /// <summary>The engine the hub runs: default detector options, routines read in the communities' local time (an
    /// IANA zone id). Without the zone the routine rules ran in UTC: in Asia/Shanghai a resident's "day" began at noon and
    /// "not up by the usual time" could not see a missed morning. The home yardstick builds its engines here too.</summary>
    public static EarlyWarningEngine ForZone(string timeZoneId) =>
        new(routineOptions: new RoutineOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(timeZoneId) });

    public void Observe(Source source, DecodedRecord r, List<Finding> findings)
    {
        var id = source.DeviceId;
        switch (r.Name)
        {
            case "temp":
                var climate = Climate(source);
                Add(findings, Gate(climate.AddTemperature(r.Time, r.Value), f =>
                {
                    if (f.Kind == FindingKind.HeatingFailure)
                        climate.HeatingArmed = true;
                    else
                        climate.HeatArmed = true;
                }));
                break;
            case "hum":
                Climate(source).AddHumidity(r.Value);
                break;
            case "gas":
                var gas = Gas(source);
                Add(findings, Gate(gas.Add(r.Time, r.Value), _ => gas.Armed = true));
                break;
            case "motion" when r.Value > 0 && source.ResidentId is { } resident:
                Routine(resident).Activity(r.Time);
                break;
            case "door":
                Door(id).Set(r.Time, r.IsTrue);
                if (r.IsTrue && source.ResidentId is { } res && source.Rules.Location != DeviceLocation.Kitchen)
                    Add(findings, Routine(res).DoorOpened(r.Time));
                break;
        }
        if (DetectedMeasurements.Contains(r.Name))
        {
            Add(findings, Series(id, r.Name).Update(r.Time, r.Value));
            var key = SeriesId(id, r.Name);
            if (!_lastSeen.TryGetValue(key, out var last) || r.Time > last)
                _lastSeen[key] = r.Time;
        }
    }

    /// <summary>Clock tick: the rules about something that did not happen (not up, silence, door still open).</summary>
    public void Tick(DateTimeOffset now, List<Finding> findings)
    {
        foreach (var routine in _routines.Values)
            Add(findings, routine.Tick(now));
        foreach (var door in _doors.Values)
            Add(findings, Gate(door.Tick(now), _ => door.Reported = false));
    }

    /// <summary>A finding the operators called harmless (<see cref="FeedbackGate"/>) is not raised, and its watch is re-armed:
    /// the same episode going further than the tolerated pattern still alerts.</summary>
    private Finding? Gate(Finding? f, Action<Finding> rearm)
    {
        if (f is null || !_feedback.Holds(f))
            return f;
        rearm(f);
        return null;
    }

    public bool CancelPreAlarm(int residentId)
    {
        if (!_routines.TryGetValue(residentId, out var routine))
            return false;
        routine.Cancel();
        return true;
    }

    /// <summary>Operator said "false alarm" on an anomaly alert of this series: the series becomes less eager.</summary>
    public bool FalseAlarm(string seriesId)
    {
        if (!_series.TryGetValue(seriesId, out var monitor))
            return false;
        monitor.Detector.FalseAlarm();
        return true;
    }

    /// <summary>Operator said "false alarm" on an anomaly alert raised on this device: every detected series of the
    /// device (temp, hum, gas) becomes less eager. Returns how many series were adjusted.</summary>
    public int FalseAlarmOnDevice(string deviceId) => DetectedMeasurements.Count(m => FalseAlarm(SeriesId(deviceId, m)));

    /// <summary>Operator said "false alarm" on a watch's finding: that pattern is tolerated on this series (anomalies go to
    /// <see cref="FalseAlarm(string)"/>).</summary>
    public bool FalseAlarm(string seriesId, FindingKind kind, double? expected, double? seen, DateTimeOffset at)
    {
        if (FeedbackGate.Measure(kind, expected, seen) is not { } measure)
            return false;
        _feedback.FalseAlarm(seriesId, kind, measure, at);
        return true;
    }

    /// <summary>Operator said "real": an anomaly's series is not made less eager by it (the last false-alarm step and the
    /// refractory penalty go), a watch's tolerance of that pattern is taken away.</summary>
    public bool Real(string seriesId, FindingKind kind)
    {
        if (kind != FindingKind.Anomaly)
            return _feedback.Real(seriesId, kind);
        if (!_series.TryGetValue(seriesId, out var monitor))
            return false;
        monitor.Detector.Confirmed();
        return true;
    }

    /// <summary>Operator said "false alarm" on a routine alert ("not up", "inactive", "door opened at night") of this resident,
    /// raised at <paramref name="raisedAt"/> after the last movement <paramref name="since"/>: the resident's routine takes that
    /// day as usual (<see cref="RoutineMonitor.FalseAlarm"/>).</summary>
    public bool RoutineFalseAlarm(int residentId, FindingKind kind, DateTimeOffset raisedAt, DateTimeOffset since, DateTimeOffset now) =>
        _routines.TryGetValue(residentId, out var r) && r.FalseAlarm(kind, raisedAt, since, now);

    /// <summary>Operator said "real" on a routine alert: any tolerance of that kind is taken away.</summary>
    public bool RoutineReal(int residentId, FindingKind kind, DateTimeOffset raisedAt) =>
        _routines.TryGetValue(residentId, out var r) && r.Real(kind, raisedAt);

    /// <summary>The usual chance of movement in the clock hour of <paramref name="at"/> for this resident, null before the
    /// routine has been learned (the band of a routine alert's evidence).</summary>
    public double? UsualActivity(int residentId, DateTimeOffset at) =>
        _routines.TryGetValue(residentId, out var r) && !r.Learning ? r.UsualActivity(at) : null;

    /// <summary>The newest reading time this series' detector has taken (restored with the state), null when unknown.</summary>
    public DateTimeOffset? LastSeen(string seriesId) => _lastSeen.TryGetValue(seriesId, out var t) ? t : null;

    public StreamingDetector? Detector(string seriesId) => _series.GetValueOrDefault(seriesId)?.Detector;

    private SeriesMonitor Series(string deviceId, string measurement)
    {
        var id = SeriesId(deviceId, measurement);
        if (!_series.TryGetValue(id, out var m))
            _series[id] = m = new SeriesMonitor(id, Label(measurement), Unit(measurement), new StreamingDetector(_detector)) { Zone = _zone };
        return m;
    }

    private ClimateWatch Climate(Source s)
    {
        if (!_climate.TryGetValue(s.DeviceId, out var c))
            return _climate[s.DeviceId] = new ClimateWatch(SeriesId(s.DeviceId, "temp"), s.Rules.TemperatureBand) { Zone = _zone };
        // A technician set (or removed) the probe's own band: it applies from the next reading.
        c.Band = s.Rules.TemperatureBand;
        return c;
    }

    private GasWatch Gas(Source s) =>
        _gas.TryGetValue(s.DeviceId, out var g) ? g : _gas[s.DeviceId] = new GasWatch(SeriesId(s.DeviceId, "gas"), s.Rules.GasAlarmPpm) { Zone = _zone };

    private DoorWatch Door(string deviceId) =>
        _doors.TryGetValue(deviceId, out var d) ? d : _doors[deviceId] = new DoorWatch(SeriesId(deviceId, "door")) { Zone = _zone };

    private RoutineMonitor Routine(int residentId) =>
        _routines.TryGetValue(residentId, out var r) ? r : _routines[residentId] = new RoutineMonitor(ResidentSeriesId(residentId), routineOptions);

    public static string ResidentSeriesId(int residentId) => $"resident:{residentId}";

    private static Domain.Catalog.LocalizedText Label(string measurement) => Domain.Catalog.LocalizedText.Of("measurement." + measurement);

    private static string Unit(string measurement) => measurement switch
    {
        "temp" => "°C",
        "hum" => "%",
        "gas" => "ppm",
        _ => "",
    };

    private static void Add(List<Finding> findings, Finding? f)
    {
        if (f is not null)
            findings.Add(f);
    }

    private sealed record Snapshot(int Version, Dictionary<string, string> Detectors, Dictionary<int, RoutineState> Routines,
        Dictionary<string, Tolerance>? Tolerated = null, Dictionary<string, DateTimeOffset>? LastSeen = null);

    /// <summary>Saves the learned state as one JSON document (detectors as their compact binary state).</summary>
    public void Save(Stream stream)
    {
        var detectors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, m) in _series)
        {
            using var ms = new MemoryStream();
            m.Detector.Save(ms);
            detectors[id] = Convert.ToBase64String(ms.ToArray());
        }
        JsonSerializer.Serialize(stream, new Snapshot(SnapshotVersion, detectors, _routines.ToDictionary(r => r.Key, r => r.Value.State),
            new Dictionary<string, Tolerance>(_feedback.Tolerated, StringComparer.Ordinal), new Dictionary<string, DateTimeOffset>(_lastSeen, StringComparer.Ordinal)));
    }

    /// <summary>Restores state saved by <see cref="Save"/>; <paramref name="modelFor"/> supplies the persisted model of (series, version).</summary>
    public void Load(Stream stream, Func<string, string, IWindowModel?>? modelFor = null)
    {
        var snapshot = JsonSerializer.Deserialize<Snapshot>(stream) ?? throw new InvalidDataException("Empty early-warning state.");
        if (snapshot.Version != SnapshotVersion)
            throw new InvalidDataException($"Early-warning state version {snapshot.Version} is not supported.");
        foreach (var (id, blob) in snapshot.Detectors)
        {
            using var ms = new MemoryStream(Convert.FromBase64String(blob));
            StreamingDetector detector;
            try
            {
                detector = StreamingDetector.Restore(ms, _detector, modelFor is null ? null : version => modelFor(id, version), out _);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                // A detector saved by an older version relearns on its own; the residents' routines (weeks of learning)
                // and the other series are kept.
                SkippedOnLoad++;
                continue;
            }
            var measurement = id[(id.LastIndexOf('/') + 1)..];
            _series[id] = new SeriesMonitor(id, Label(measurement), Unit(measurement), detector) { Zone = _zone };
        }
        foreach (var (resident, state) in snapshot.Routines)
            _routines[resident] = new RoutineMonitor(ResidentSeriesId(resident), routineOptions, state);
        _feedback.Restore(snapshot.Tolerated);
        foreach (var (id, at) in snapshot.LastSeen ?? [])
        {
            if (_series.ContainsKey(id))
                _lastSeen[id] = at;
        }
    }
}
