using System.Collections.Concurrent;
using System.Data.Common;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Ingestion;
using SmartCommunity.EarlyWarning;
using SmartCommunity.EarlyWarning.Ml;
using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Telemetry;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// The one owner of the early-warning engine: drains the queue, ticks the absence rules, swaps in retrained
/// models between two readings, turns findings into alerts, applies operators' "false alarm" verdicts and
/// saves the learned state (periodically and at shutdown). A single consumer keeps every detector
/// single-writer without locks.
/// </summary>
public sealed class EarlyWarningWorker(Channel<EarlyWarningWork> queue, ModelStore store, AlertService alerts, IDbContextFactory<HubDbContext> dbFactory,
    DeviceDirectory devices, EvidenceBuilder evidenceBuilder, EarlyWarningLeadership leadership, ITelemetryStore telemetry, TimeProvider time,
    IOptions<EarlyWarningOptions> options, ILogger<EarlyWarningWorker> logger) : BackgroundService
{
    private static readonly string[] Detected = ["temp", "hum", "gas"];

    /// <summary>The engine for the communities' zone: the routines read local time (UTC made a Shanghai "day" begin at noon).</summary>
    private static EarlyWarningEngine NewEngine(EarlyWarningOptions o) => EarlyWarningEngine.ForZone(o.RetrainTimeZone);
    // A takeover replays at most this much stored history per series: the gap since the predecessor's last save.
    private static readonly TimeSpan MaxReplay = TimeSpan.FromDays(1);
    private const int MaxReplayPoints = 10_000;
    private EarlyWarningEngine _engine = NewEngine(options.Value);
    private readonly ConcurrentQueue<(string SeriesId, PcaWindowModel Model)> _swaps = new();
    private readonly Dictionary<string, AlertPlace> _places = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _residentDevice = [];
    private readonly List<Finding> _findings = [];
    private volatile string[] _series = [];
    private volatile string[] _untrained = [];
    // Series handed a model the last tick's snapshot does not know of yet.
    private readonly ConcurrentDictionary<string, byte> _handedModel = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _modelVersions = new(StringComparer.Ordinal);
    private FeedbackMark _feedbackAfter;
    private long _cancelledAfter;
    private long _ticks;
    private long _lastTickAtTicks;
    private long _points;
    private long _savedAtTicks;
    private volatile TaskCompletionSource _termReady = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the current term's engine is set up and its saved state loaded, so readings fed from then on
    /// are this term's.</summary>
    public Task WaitTermReadyAsync(CancellationToken ct) => _termReady.Task.WaitAsync(ct);

    /// <summary>Clock ticks done (the absence rules checked, findings raised, call-offs applied), and the clock's time at
    /// the last one: diagnostics, and how tests driving a fake clock know the worker has caught up.</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    public DateTimeOffset LastTickAt => new(Interlocked.Read(ref _lastTickAtTicks), TimeSpan.Zero);

    /// <summary>Readings this instance has scored since it started (replayed history included): in a cluster, only the
    /// elected instance's count grows.</summary>
    public long PointsScored => Interlocked.Read(ref _points);

    /// <summary>When the state was last saved (null: not in this run).</summary>
    public DateTimeOffset? StateSavedAt => Interlocked.Read(ref _savedAtTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Series the engine tracks (a snapshot, for the retraining job).</summary>
    public IReadOnlyList<string> Series => _series;

    /// <summary>Series whose detector has no model yet (a snapshot taken at each tick, for the first training), less those
    /// handed one since: a trainer looking between a swap and the next tick would otherwise train the series again.</summary>
    public IReadOnlyList<string> Untrained => [.. _untrained.Where(id => !_handedModel.ContainsKey(id))];

    /// <summary>The model version a series' detector scores with, null without one: diagnostics and tests.</summary>
    public string? ModelVersion(string seriesId) => _modelVersions.GetValueOrDefault(seriesId);

    /// <summary>Hands a retrained model to the worker; it is swapped in before the next reading.</summary>
    public void Swap(string seriesId, PcaWindowModel model)
    {
        _handedModel[seriesId] = 0;
        _swaps.Enqueue((seriesId, model));
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!options.Value.Enabled)
            return;
        try
        {
            // A single hub has one term, for good; in a cluster a term lasts while this instance is the elected scorer.
            while (!ct.IsCancellationRequested)
            {
                var term = await leadership.WaitForTermAsync(ct);
                using var scoring = CancellationTokenSource.CreateLinkedTokenSource(ct, term);
                try
                {
                    await RunTermAsync(scoring.Token, ct);
                }
                catch (OperationCanceledException) when (scoring.IsCancellationRequested && !ct.IsCancellationRequested)
                {
                    // Lost the election while the term was starting (loading, replaying): wait for the next one.
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database went away mid-term (feedback, alerts): start the term again from what is stored
                    // rather than stop the hub; a scorer that lost its lock meanwhile waits for the next election.
                    logger.LogError(e, "Early warning stopped on an error; restarting from the saved state");
                    await Task.Delay(TimeSpan.FromSeconds(5), ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RunTermAsync(CancellationToken scoring, CancellationToken stopping)
    {
        Reset();
        var since = Load();
        // The full stream may start now: its readings queue up behind the replay and come after it.
        _termReady.TrySetResult();
        _feedbackAfter = await LatestVerdictAsync(scoring);
        _cancelledAfter = await LatestCancelledInactivityIdAsync(scoring);
        if (leadership.Elected && since is { } savedAt)
            await ReplayAsync(savedAt, scoring);
        var tick = TimeSpan.FromSeconds(options.Value.TickSeconds);
        var saveEvery = TimeSpan.FromSeconds(options.Value.SaveEverySeconds);
        var lastTick = time.GetUtcNow();
        var lastSave = lastTick;
        try
        {
            while (!scoring.IsCancellationRequested)
            {
                try
                {
                    await queue.Reader.WaitToReadAsync(scoring).AsTask().WaitAsync(tick, time, scoring);
                }
                catch (TimeoutException)
                {
                    // Nothing arrived: still tick, the absence rules are about what does not arrive.
                }
                while (_swaps.TryDequeue(out var swap))
                {
                    if (_engine.Detector(swap.SeriesId) is not { } detector)
                        continue;
                    detector.UseModel(swap.Model);
                    _modelVersions[swap.SeriesId] = swap.Model.Version;
                }
                while (queue.Reader.TryRead(out var work))
                    await ObserveAsync(work, scoring);
                var now = time.GetUtcNow();
                if (now - lastTick >= tick)
                {
                    lastTick = now;
                    _findings.Clear();
                    _engine.Tick(now, _findings);
                    await RaiseAsync(_findings, null, scoring);
                    await ApplyFeedbackAsync(scoring);
                    await ApplyCancellationsAsync(scoring);
                    _untrained = [.. _engine.SeriesIds.Where(id => _engine.Detector(id)?.Model is null)];
                    foreach (var id in _handedModel.Keys)
                    {
                        // A model still in the swap queue keeps its series out of Untrained until it is in use.
                        if (_engine.Detector(id) is not { Model: null })
                            _handedModel.TryRemove(id, out _);
                    }
                    Interlocked.Exchange(ref _lastTickAtTicks, now.UtcTicks);
                    Interlocked.Increment(ref _ticks);
                }
                if (now - lastSave >= saveEvery)
                {
                    lastSave = now;
                    Save();
                }
            }
        }
        catch (OperationCanceledException) when (scoring.IsCancellationRequested)
        {
        }
        finally
        {
            _termReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
            // A hub that stops saves; an instance that lost the election does not: its successor may already have loaded
            // and saved newer state, and the database is likely what it lost.
            if (stopping.IsCancellationRequested || !leadership.Elected)
                Save();
            else
                logger.LogWarning("Early warning: {Instance} stopped scoring (no longer elected); {Series} series left to the next scorer", leadership.Instance, _engine.SeriesCount);
        }
    }

    /// <summary>A new term starts from what is stored, not from what this instance learned in an earlier one.</summary>
    private void Reset()
    {
        _engine = NewEngine(options.Value);
        _places.Clear();
        _residentDevice.Clear();
        _modelVersions.Clear();
        _swaps.Clear();
        _handedModel.Clear();
        _series = [];
        _untrained = [];
        // Readings queued before this term belong to no scorer's order any more; the replay covers them.
        while (leadership.Elected && queue.Reader.TryRead(out _)) { }
    }

    /// <summary>
    /// Takeover in a cluster: the predecessor's state is as old as its last save (<see cref="EarlyWarningOptions.SaveEverySeconds"/>)
    /// and nobody scored while the election was open. Each detected series replays its stored readings since then (at most a
    /// day) before the live stream, so the detectors are warm and a change in that gap is still found; a finding already
    /// raised folds into its open alert.
    /// </summary>
    private async Task ReplayAsync(DateTimeOffset savedAt, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var from = savedAt < now - MaxReplay ? now - MaxReplay : savedAt;
        var replayed = 0;
        foreach (var seriesId in _engine.SeriesIds.ToList())
        {
            var slash = seriesId.LastIndexOf('/');
            if (slash <= 0 || Measurement.Find(seriesId[(slash + 1)..]) is not { } measurement)
                continue;
            var deviceId = seriesId[..slash];
            if (await devices.FindOrLoadAsync(deviceId, ct) is not { Revoked: false } device)
                continue;
            // From the series' own newest reading in the saved state: a buffered pack that arrived after the save carries
            // readings older than it; only a state without that mark (saved by an older version) falls back to the save time.
            var seriesFrom = _engine.LastSeen(seriesId) is { } last ? last.AddMilliseconds(1) : from;
            if (seriesFrom < now - MaxReplay)
                seriesFrom = now - MaxReplay;
            IReadOnlyList<TelemetryPoint> points;
            try
            {
                points = await telemetry.QueryRangeAsync(new SeriesKey(deviceId, measurement.Name), seriesFrom, now, MaxReplayPoints, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Early warning: the stored readings of {Series} since {From} could not be replayed", seriesId, from);
                continue;
            }
            if (points.Count == 0)
                continue;
            var records = points.Select(p => new DecodedRecord(measurement, p.Time, p.Value)).ToList();
            await ObserveAsync(new EarlyWarningWork(new Source(device.Id, device.Kind, device.Rules, device.Place.ResidentId), device.Place, records), ct);
            replayed += records.Count;
        }
        logger.LogInformation("Early warning: {Instance} replayed {Points} stored readings since {From:O} into {Series} series", leadership.Instance, replayed, from, _engine.SeriesCount);
    }

    private async Task ObserveAsync(EarlyWarningWork work, CancellationToken ct)
    {
        _places[work.Source.DeviceId] = work.Place;
        if (work.Source.ResidentId is { } resident && work.Source.Kind is Domain.Devices.DeviceKind.Pir or Domain.Devices.DeviceKind.Door)
            _residentDevice[resident] = work.Source.DeviceId;
        _findings.Clear();
        foreach (var r in work.Records)
            _engine.Observe(work.Source, r, _findings);
        Interlocked.Add(ref _points, work.Records.Count);
        if (_engine.SeriesCount != _series.Length)
            _series = [.. _engine.SeriesIds];
        await RaiseAsync(_findings, work.Source.DeviceId, ct, work.Records);
    }

    private async Task RaiseAsync(List<Finding> findings, string? deviceId, CancellationToken ct, IReadOnlyList<Domain.Ingestion.DecodedRecord>? fresh = null)
    {
        foreach (var f in findings)
        {
            var device = deviceId ?? DeviceOf(f.SeriesId);
            if (device is null)
                continue;
            try
            {
                var signal = SignalOf(f, device) with { Evidence = await evidenceBuilder.BuildAsync(f, device, fresh, _engine, ct) };
                await alerts.RaiseAsync(signal, _places.GetValueOrDefault(device), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An alert that cannot be stored must not stop detection for everyone else.
                logger.LogError(e, "Early-warning alert for {DeviceId} could not be raised", device);
            }
        }
    }

    private string? DeviceOf(string seriesId)
    {
        if (seriesId.StartsWith("resident:", StringComparison.Ordinal))
            return int.TryParse(seriesId.AsSpan("resident:".Length), out var id) ? ResidentDevice(id) : null;
        var slash = seriesId.LastIndexOf('/');
        return slash > 0 ? seriesId[..slash] : null;
    }

    /// <summary>The motion or door sensor a resident's routine finding is raised on. After a restart the routine is known
    /// (state.json) before that sensor has reported again, and "not up as usual" is exactly when it has nothing to report:
    /// the registered sensor is taken from the directory rather than the finding dropped.</summary>
    private string? ResidentDevice(int residentId)
    {
        if (_residentDevice.TryGetValue(residentId, out var known))
            return known;
        var sensor = devices.All
            .Where(d => d.Place.ResidentId == residentId && !d.Revoked && d.Kind is Domain.Devices.DeviceKind.Pir or Domain.Devices.DeviceKind.Door)
            .OrderBy(d => d.Kind).ThenBy(d => d.Id, StringComparer.Ordinal).FirstOrDefault();
        if (sensor is null)
        {
            logger.LogWarning("Routine finding for resident {ResidentId} has no motion or door sensor to raise it on", residentId);
            return null;
        }
        _residentDevice[residentId] = sensor.Id;
        _places[sensor.Id] = sensor.Place;
        return sensor.Id;
    }

    /// <summary>The alert a finding raises on a device: its explanation as a key and arguments (rendered per reader), the
    /// English text stored beside them cut to the column's length.</summary>
    public static AlertSignal SignalOf(Finding f, string deviceId)
    {
        var signal = AlertSignal.Of(deviceId, KindOf(f.Kind), f.Severity, f.Text, f.At);
        return signal.Message.Length > 500 ? signal with { Message = signal.Message[..500] } : signal;
    }

    public static AlertKind KindOf(FindingKind kind) => kind switch
    {
        FindingKind.Anomaly => AlertKind.Anomaly,
        FindingKind.HeatingFailure => AlertKind.HeatingFailure,
        FindingKind.HeatStress => AlertKind.HeatStress,
        FindingKind.GasRising => AlertKind.GasRising,
        FindingKind.DoorLeftOpen => AlertKind.DoorLeftOpen,
        // "Not up as usual" and "silent too long" are inactivity: they go through the closed loop's
        // pre-alarm window, in which the resident (device button) or the family can call them off.
        FindingKind.NotUpAsUsual or FindingKind.InactiveTooLong => AlertKind.Inactivity,
        _ => AlertKind.Routine,
    };

    /// <summary>Where the feedback was read up to: resolution time, then alert id (an alert resolved later than a newer one
    /// still counts, which an id alone would miss).</summary>
    private readonly record struct FeedbackMark(long ResolvedTicks, long Id);

    /// <summary>Staff verdicts since the last look. "False alarm": an anomaly's series become less eager, a watch tolerates
    /// that pattern on that series (<see cref="FeedbackGate"/>). "Real": neither is desensitised by it, and the retraining
    /// leaves the episode out (<see cref="SeriesTrainer"/>).</summary>
    private async Task ApplyFeedbackAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var after = new DateTimeOffset(_feedbackAfter.ResolvedTicks, TimeSpan.Zero);
        var verdicts = await db.Alerts.AsNoTracking()
            .Where(a => (a.Kind == AlertKind.Anomaly || a.Kind == AlertKind.GasRising || a.Kind == AlertKind.HeatingFailure || a.Kind == AlertKind.HeatStress || a.Kind == AlertKind.DoorLeftOpen || a.Kind == AlertKind.Inactivity || a.Kind == AlertKind.Routine) && (a.Outcome == AlertOutcome.FalseAlarm || a.Outcome == AlertOutcome.Real) && a.ResolvedAt >= after)
            .Select(a => new { a.Id, a.DeviceId, a.Kind, a.Outcome, a.ResolvedAt, a.Evidence, a.RaisedAt, a.ResidentId, a.MessageKey, a.MessageArgs }).ToListAsync(ct);
        foreach (var v in verdicts.OrderBy(v => v.ResolvedAt).ThenBy(v => v.Id))
        {
            var mark = new FeedbackMark(v.ResolvedAt!.Value.UtcTicks, v.Id);
            if (mark.ResolvedTicks < _feedbackAfter.ResolvedTicks || (mark.ResolvedTicks == _feedbackAfter.ResolvedTicks && mark.Id <= _feedbackAfter.Id))
                continue;
            _feedbackAfter = mark;
            var real = v.Outcome == AlertOutcome.Real;
            if (v.Kind is AlertKind.Inactivity or AlertKind.Routine)
            {
                // Only the routines' own alerts (their evidence is the resident's activity): the fixed "no activity" rule
                // learns nothing.
                var routine = AlertEvidence.Parse(v.Evidence);
                if (routine?.Measurement != "activity" || v.ResidentId is not { } resident || RoutineKindOf(v.Kind, v.MessageKey, v.MessageArgs) is not { } routineKind)
                    continue;
                var adjusted = real
                    ? _engine.RoutineReal(resident, routineKind, v.RaisedAt)
                    : _engine.RoutineFalseAlarm(resident, routineKind, v.RaisedAt, routine.Since, time.GetUtcNow());
                logger.LogInformation("{Verdict} on {Kind} alert {AlertId} applied to resident {ResidentId}'s routine: {Done}", v.Outcome, routineKind, v.Id, resident, adjusted);
                continue;
            }
            if (v.Kind == AlertKind.Anomaly)
            {
                var applied = Detected.Count(m => real
                    ? _engine.Real(EarlyWarningEngine.SeriesId(v.DeviceId, m), FindingKind.Anomaly)
                    : _engine.FalseAlarm(EarlyWarningEngine.SeriesId(v.DeviceId, m)));
                logger.LogInformation("{Verdict} on anomaly alert {AlertId}: {Series} series of {DeviceId} adjusted", v.Outcome, v.Id, applied, v.DeviceId);
                continue;
            }
            var kind = FindingOf(v.Kind);
            var series = EarlyWarningEngine.SeriesId(v.DeviceId, kind switch { FindingKind.GasRising => "gas", FindingKind.DoorLeftOpen => "door", _ => "temp" });
            var evidence = AlertEvidence.Parse(v.Evidence);
            var seen = evidence?.Seen;
            // Staff judged the whole episode, not its first minutes: the gas peak or the coldest point up to the verdict is
            // what is tolerated, so the same pattern stays quiet while anything going further still alerts.
            if (!real && evidence is not null && kind is FindingKind.GasRising or FindingKind.HeatingFailure)
            {
                var key = new Telemetry.SeriesKey(v.DeviceId, evidence.Measurement);
                var highest = kind == FindingKind.GasRising;
                if (await evidenceBuilder.ExtremeAsync(key, evidence.Since, v.ResolvedAt!.Value, highest, ct) is { } extreme)
                    seen = seen is { } s0 ? (highest ? Math.Max(s0, extreme) : Math.Min(s0, extreme)) : extreme;
            }
            var done = real ? _engine.Real(series, kind) : _engine.FalseAlarm(series, kind, evidence?.Expected, seen, time.GetUtcNow());
            logger.LogInformation("{Verdict} on {Kind} alert {AlertId} applied to {Series}: {Done}", v.Outcome, v.Kind, v.Id, series, done);
        }
    }

    /// <summary>Which routine finding an alert came from: "door opened at night" is the only routine-kind one; an inactivity
    /// alert says in its text whether it was "not up" or a silence.</summary>
    private static FindingKind? RoutineKindOf(AlertKind kind, string? key, string? args)
    {
        if (kind == AlertKind.Routine)
            return FindingKind.DoorOpenAtNight;
        var text = $"{key} {args}";
        return text.Contains("early.not_up", StringComparison.Ordinal) ? FindingKind.NotUpAsUsual
            : text.Contains("early.inactive", StringComparison.Ordinal) ? FindingKind.InactiveTooLong
            : null;
    }

    private static FindingKind FindingOf(AlertKind kind) => kind switch
    {
        AlertKind.GasRising => FindingKind.GasRising,
        AlertKind.HeatingFailure => FindingKind.HeatingFailure,
        AlertKind.HeatStress => FindingKind.HeatStress,
        AlertKind.DoorLeftOpen => FindingKind.DoorLeftOpen,
        _ => FindingKind.Anomaly,
    };

    /// <summary>An inactivity pre-alarm the resident or family called off also calls off the routine's own escalation.</summary>
    private async Task ApplyCancellationsAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var cancelled = await db.Alerts.AsNoTracking()
            .Where(a => a.Id > _cancelledAfter && a.Kind == AlertKind.Inactivity && a.Outcome == AlertOutcome.ResidentCancelled && a.ResidentId != null)
            .OrderBy(a => a.Id).Select(a => new { a.Id, a.ResidentId }).ToListAsync(ct);
        foreach (var c in cancelled)
        {
            if (_engine.CancelPreAlarm(c.ResidentId!.Value))
                logger.LogInformation("Inactivity pre-alarm {AlertId} was called off; resident {ResidentId}'s routine stands down", c.Id, c.ResidentId);
            _cancelledAfter = c.Id;
        }
    }

    private async Task<long> LatestCancelledInactivityIdAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Alerts.Where(a => a.Kind == AlertKind.Inactivity && a.Outcome == AlertOutcome.ResidentCancelled).MaxAsync(a => (long?)a.Id, ct) ?? 0;
    }

    /// <summary>Verdicts given before this start are already in the saved state: the newest one is where reading resumes.</summary>
    private async Task<FeedbackMark> LatestVerdictAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var last = await db.Alerts.Where(a => (a.Kind == AlertKind.Anomaly || a.Kind == AlertKind.GasRising || a.Kind == AlertKind.HeatingFailure || a.Kind == AlertKind.HeatStress || a.Kind == AlertKind.DoorLeftOpen || a.Kind == AlertKind.Inactivity || a.Kind == AlertKind.Routine) && (a.Outcome == AlertOutcome.FalseAlarm || a.Outcome == AlertOutcome.Real) && a.ResolvedAt != null)
            .OrderByDescending(a => a.ResolvedAt).ThenByDescending(a => a.Id).Select(a => new { a.ResolvedAt, a.Id }).FirstOrDefaultAsync(ct);
        return last is null ? default : new FeedbackMark(last.ResolvedAt!.Value.UtcTicks, last.Id);
    }

    /// <summary>Restores the saved state; returns when it was saved, null when there was none to restore.</summary>
    private DateTimeOffset? Load()
    {
        try
        {
            if (store.ReadState() is not { } state)
                return null;
            using var file = new MemoryStream(state.Content);
            _engine.Load(file, store.Load);
            _series = [.. _engine.SeriesIds];
            foreach (var id in _series)
            {
                if (_engine.Detector(id)?.Model is { } model)
                    _modelVersions[id] = model.Version;
            }
            logger.LogInformation("Early-warning state restored from {Location}: {Series} series, {Residents} residents, saved {SavedAt:O}",
                store.Location, _engine.SeriesCount, _engine.ResidentCount, state.SavedAt);
            return state.SavedAt;
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or IOException or FormatException or DbException)
        {
            // A damaged or older state only costs relearning; it must not keep the hub from starting.
            _engine = NewEngine(options.Value);
            logger.LogWarning(e, "Early-warning state in {Location} could not be read; starting to learn afresh", store.Location);
            return null;
        }
    }

    private void Save()
    {
        try
        {
            using var bytes = new MemoryStream();
            _engine.Save(bytes);
            var now = time.GetUtcNow();
            store.WriteState(bytes.ToArray(), now);
            Interlocked.Exchange(ref _savedAtTicks, now.UtcTicks);
        }
        catch (Exception e) when (e is IOException or DbException or DbUpdateException or UnauthorizedAccessException)
        {
            logger.LogError(e, "Early-warning state could not be saved to {Location}", store.Location);
        }
    }
}
