namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// The whole device behaviour, hardware-free. Adapters feed it samples and the monotonic time in ms,
/// call <see cref="Tick"/> and <see cref="Flush"/> from their loop, and copy the indicator to the pins.
/// Nothing here allocates per sample: the sampling path only touches fields and preallocated arrays.
/// </summary>
public sealed class NodeCore
{
    public const string FirmwareVersion = "1.0.0";
    public const int QueueCapacity = 128;
    /// <summary>Dates before this are a clock that was never set, not a time sync.</summary>
    public const long EarliestValidTime = 1577836800; // 2020-01-01

    /// <summary>The hub accepts records up to 7 days old; keep an hour of margin for clock differences.</summary>
    public const long MaxRecordAgeSeconds = 7 * 86400 - 3600;

    /// <summary>The longest pre-alarm a <c>pre-alarm</c> downlink may announce (a day).</summary>
    public const long MaxPreAlarmSeconds = 86400;

    private readonly IStorage _storage;
    private readonly ConfigStore _configStore;
    private readonly DeviceConfig _config = new DeviceConfig();
    private readonly DeviceConfig _staged = new DeviceConfig();
    private readonly SenmlWriter _writer = new SenmlWriter();
    private readonly JsonScanner _json = new JsonScanner();
    private readonly Debouncer _door;
    private readonly Debouncer _leak;
    private readonly ButtonGesture _button;
    private readonly HysteresisAlarm _gasAlarm;
    private readonly HysteresisAlarm _coAlarm;
    private readonly PirCounter _pir;
    private readonly FallDetector _fall;
    private readonly CancelWindow _sosWindow;
    private readonly CancelWindow _fallWindow;
    private readonly SequenceCounter _seq;
    private long _lastHeartbeatMs;
    private long _lastGasReportMs;
    private long _lastCoReportMs;
    private bool _coReported;
    private long _heartbeatMs;
    private bool _heartbeatDue = true;
    private int _lastGasPpm;
    private int _lastCoPpm;
    private bool _preAlarm;
    private long _preAlarmSinceMs;
    private long _preAlarmUntilMs;
    private bool _holdCancelledSos;
    private string _upTopic = "";
    private string _statusTopic = "";

    public NodeCore(IStorage storage, long nowMs)
    {
        _storage = storage;
        _configStore = new ConfigStore(storage);
        Provisioned = _configStore.Load(_config) && _config.IsComplete;
        _seq = new SequenceCounter(storage);
        Queue = new OfflineQueue(storage, QueueCapacity);
        _door = new Debouncer(false, 0);
        _leak = new Debouncer(false, 0);
        _button = new ButtonGesture(0, 0);
        _gasAlarm = new HysteresisAlarm(0, 0, 0);
        _coAlarm = new HysteresisAlarm(0, 0, 0);
        _pir = new PirCounter(1, 0, nowMs);
        _fall = new FallDetector(_config);
        _sosWindow = new CancelWindow(0);
        _fallWindow = new CancelWindow(0);
        ApplyConfig(nowMs);
    }

    public DeviceConfig Config => _config;

    public OfflineQueue Queue { get; }

    public TimeKeeper Clock { get; } = new TimeKeeper();

    public Indicator Indicator { get; } = new Indicator();

    public SamplingScheduler Scheduler { get; } = new SamplingScheduler();

    public FallDetector FallDetector => _fall;

    /// <summary>False until a complete configuration was committed; an unprovisioned node only talks provisioning.</summary>
    public bool Provisioned { get; private set; }

    public bool SosPending => _sosWindow.Pending;

    public bool FallPending => _fallWindow.Pending;

    /// <summary>The hub announced a pre-alarm (<c>{"cmd":"pre-alarm"}</c>) that is not over yet: a hold answers "I am OK".</summary>
    public bool PreAlarmPending => _preAlarm;

    /// <summary>Records a profile may not send that an input still produced (a miswired adapter): never queued, counted.</summary>
    public int NotForProfile { get; private set; }

    /// <summary>Battery in percent (0..100), set by the adapter before heartbeats.</summary>
    public int BatteryPercent { get; set; } = 100;

    /// <summary>Wi-Fi RSSI in dBm, set by the adapter.</summary>
    public int RssiDbm { get; set; } = -127;

    public string UpTopic => _upTopic;

    public string StatusTopic => _statusTopic;

    public string DownTopic => "sc/v1/" + _config.DeviceId + "/down";

    public string ConfigTopic => "sc/v1/" + _config.DeviceId + "/cfg";

    public uint NextSeq => _seq.Peek;

    // ---- sensor inputs (called from the sampling loop) ----

    public void OnAccelerometer(int xMg, int yMg, int zMg, long nowMs)
    {
        if (_fall.Update(xMg, yMg, zMg, nowMs))
        {
            _fallWindow.Arm(_fall.ImpactAtMs, nowMs);
            Indicator.Play(Indicator.Pending, nowMs);
        }
    }

    /// <summary>
    /// The button's gestures (firmware/README.md, "Button gestures"): a press is a call for help, a hold
    /// (<c>cancel_hold_ms</c>) calls off what is pending, and a hold continued to <c>visit_hold_ms</c> after it
    /// cancelled an SOS records the grid worker's visit. Only a hold in a press that began after an alert's own
    /// event cancels that alert: the press that raised an SOS, however long it is held, never cancels it.
    /// </summary>
    public void OnButton(bool rawDown, long nowMs)
    {
        var gesture = _button.Update(rawDown, nowMs);
        if (gesture == ButtonGesture.Press)
        {
            _holdCancelledSos = false;
            // While a fall or a pre-alarm waits, a press may become a cancel (hold) or a call for help (short):
            // decided on release or at the hold time, below.
            if (!_fallWindow.Pending && !_preAlarm && Profile.RaisesSos(_config.Profile) && !_sosWindow.Pending)
            {
                _sosWindow.Arm(_button.PressedAtMs, nowMs);
                Indicator.Play(Indicator.Pending, nowMs);
            }
        }
        else if (gesture == ButtonGesture.ShortRelease)
        {
            if (_fallWindow.Pending && _button.PressedAtMs > _fallWindow.EventAtMs)
            {
                // A short press after a fall is a call for help: send the fall now rather than wait.
                _fallWindow.Expedite();
            }
            else if (_preAlarm && _button.PressedAtMs > _preAlarmSinceMs && Profile.RaisesSos(_config.Profile) && !_sosWindow.Pending)
            {
                // "Are you OK?" answered with a short press: a call for help, stamped at the press.
                _sosWindow.Arm(_button.PressedAtMs, nowMs);
                Indicator.Play(Indicator.Pending, nowMs);
            }
        }
        else if (gesture == ButtonGesture.LongHold)
        {
            OnHold(nowMs);
        }
        else if (gesture == ButtonGesture.VisitHold)
        {
            // The visit gesture is press, release, press and hold: the first press raises an SOS (a press on a
            // pendant always does, at once), the hold cancels it at cancel_hold_ms and records the visit here.
            // Requiring that cancel means a resident's long press — which never cancels its SOS — records no visit.
            if (_holdCancelledSos && Profile.HasAction(_config.Profile, Profile.ActionVisit))
            {
                Emit(Measurement.Visit, 0, true, nowMs);
                Indicator.Play(Indicator.VisitRecorded, nowMs);
            }
        }
    }

    private void OnHold(long nowMs)
    {
        var cancelled = false;
        if (_sosWindow.Pending && _button.PressedAtMs > _sosWindow.EventAtMs)
        {
            _holdCancelledSos = _sosWindow.Cancel();
            cancelled = _holdCancelledSos;
        }

        if (_fallWindow.Pending && _button.PressedAtMs > _fallWindow.EventAtMs)
        {
            cancelled = _fallWindow.Cancel() || cancelled;
        }

        if (_preAlarm && _button.PressedAtMs > _preAlarmSinceMs)
        {
            // The hub's pre-alarm is the hub's to close: the device only says "I am OK" and stops asking.
            Emit(Measurement.Cancel, 0, true, nowMs);
            EndPreAlarm(nowMs);
            cancelled = true;
        }

        if (cancelled)
        {
            Indicator.Play(Indicator.Cancelled, nowMs);
        }
    }

    private void StartPreAlarm(long seconds, long nowMs)
    {
        // A repeated announcement (a resend, a longer window) moves the end, not the start: a hold that began
        // after the first announcement still answers it.
        if (!_preAlarm)
        {
            _preAlarm = true;
            _preAlarmSinceMs = nowMs;
            Indicator.SetBackground(Indicator.PreAlarm, nowMs);
        }

        _preAlarmUntilMs = nowMs + seconds * 1000;
    }

    private void EndPreAlarm(long nowMs)
    {
        if (_preAlarm)
        {
            _preAlarm = false;
            Indicator.SetBackground(Indicator.Off, nowMs);
        }
    }

    public void OnDoor(bool rawOpen, long nowMs)
    {
        if (_door.Update(rawOpen, nowMs))
        {
            Emit(Measurement.Door, 0, _door.State, _door.ChangedAt);
        }
    }

    public void OnLeak(bool rawWet, long nowMs)
    {
        if (_leak.Update(rawWet, nowMs))
        {
            Emit(Measurement.Leak, 0, _leak.State, _leak.ChangedAt);
        }
    }

    public void OnPir(bool level, long nowMs) => _pir.Update(level, nowMs);

    /// <summary>MQ-2 reading, already converted to ppm by the adapter's calibration.</summary>
    public void OnGas(int ppm, long nowMs)
    {
        _lastGasPpm = Measurement.Clamp(Measurement.Gas, ppm);
        if (_gasAlarm.Update(_lastGasPpm, nowMs))
        {
            // The alarm record and the reading that caused it travel in one pack.
            Emit(Measurement.Smoke, 0, _gasAlarm.Active, nowMs);
            Emit(Measurement.Gas, _lastGasPpm, false, nowMs);
            _lastGasReportMs = nowMs;
        }
        else if (nowMs - _lastGasReportMs >= _config.Get(Setting.ReadingSeconds) * 1000L)
        {
            Emit(Measurement.Gas, _lastGasPpm, false, nowMs);
            _lastGasReportMs = nowMs;
        }
    }

    public bool SmokeAlarm => _gasAlarm.Active;

    /// <summary>
    /// Electrochemical CO reading, already converted to ppm by the adapter's calibration. Reported at the first
    /// sample, every <c>reading_s</c>, at once when it crosses <c>co_on_ppm</c> (or falls back below
    /// <c>co_off_ppm</c>), and every <c>co_alarm_reading_s</c> in between: the hub's own alert threshold
    /// (100 ppm) is then at most that far behind the air. The node only reports; the hub decides the alert.
    /// </summary>
    public void OnCo(int ppm, long nowMs)
    {
        _lastCoPpm = Measurement.Clamp(Measurement.Co, ppm);
        var crossed = _coAlarm.Update(_lastCoPpm, nowMs);
        var interval = _config.Get(Setting.ReadingSeconds);
        if (_coAlarm.Active && _config.Get(Setting.CoAlarmReadingSeconds) < interval)
        {
            interval = _config.Get(Setting.CoAlarmReadingSeconds);
        }

        if (crossed || !_coReported || nowMs - _lastCoReportMs >= interval * 1000L)
        {
            Emit(Measurement.Co, _lastCoPpm, false, nowMs);
            _lastCoReportMs = nowMs;
            _coReported = true;
        }
    }

    /// <summary>The node's CO alarm state (between <c>co_on_ppm</c> and falling below <c>co_off_ppm</c>).</summary>
    public bool CoAlarm => _coAlarm.Active;

    /// <summary>BME280 reading in hundredths of °C and tenths of %RH (the protocol's precisions).</summary>
    public void OnClimate(int centiCelsius, int deciPercentRh, long nowMs)
    {
        Emit(Measurement.Temp, centiCelsius, false, nowMs);
        Emit(Measurement.Hum, deciPercentRh, false, nowMs);
    }

    /// <summary>Advances windows, intervals and patterns; call at least every few hundred ms.</summary>
    public void Tick(long nowMs)
    {
        if (_sosWindow.Tick(nowMs))
        {
            Emit(Measurement.Sos, 0, true, _sosWindow.EventAtMs);
            Indicator.Play(Indicator.AlertSent, nowMs);
        }

        if (_fallWindow.Tick(nowMs))
        {
            Emit(Measurement.Fall, 0, true, _fallWindow.EventAtMs);
            Indicator.Play(Indicator.AlertSent, nowMs);
        }

        int count;
        if (Profile.Has(_config.Profile, Profile.SensorPir) && _pir.TryCloseInterval(nowMs, out count))
        {
            Emit(Measurement.Motion, count, false, nowMs);
        }

        if (_preAlarm && nowMs >= _preAlarmUntilMs)
        {
            // Paged or called off at the hub; its pre-alarm-end may still be on its way (or lost with the link).
            EndPreAlarm(nowMs);
        }

        if (nowMs - _lastHeartbeatMs >= _heartbeatMs)
        {
            _heartbeatDue = true;
            _lastHeartbeatMs = nowMs;
        }

        Indicator.Tick(nowMs);
    }

    /// <summary>Call after (re)connecting: the retained status must say online again.</summary>
    public void OnConnected(long nowMs)
    {
        _heartbeatDue = true;
        _lastHeartbeatMs = nowMs;
    }

    /// <summary>
    /// Sends the outbox oldest first, one pack at a time, removing records only after the broker
    /// acknowledged them, then the heartbeat if due: an SOS never waits behind a status message.
    /// Stops at the first failure; the rest waits for the next call. A pack cannot overflow the 4 KB
    /// buffer: at most 32 records of at most 64 bytes each.
    /// Nothing is sent before the clock is synced: a pack needs a true bt, or the hub rejects it.
    /// </summary>
    /// <returns>Number of packs acknowledged.</returns>
    public int Flush(IPublisher publisher, long nowMs)
    {
        if (!Provisioned || !publisher.IsConnected || !Clock.IsSynced)
        {
            return 0;
        }

        Queue.ResolveTimes(Clock);
        var bt = Clock.UnixSeconds(nowMs);
        Queue.DropOlderThan(bt - MaxRecordAgeSeconds);
        var sent = 0;
        while (Queue.Count > 0)
        {
            var n = 0;
            var seq = Queue.SeqAt(0);
            if (seq != 0)
            {
                // Resend of a pack whose PUBACK never came: same seq, same records, so the hub deduplicates.
                while (n < Queue.Count && Queue.SeqAt(n) == seq)
                {
                    n++;
                }
            }
            else
            {
                var batch = _config.Get(Setting.QueueBatch);
                while (n < Queue.Count && n < batch && Queue.SeqAt(n) == 0)
                {
                    n++;
                }

                seq = _seq.Next();
                Queue.AssignSeq(n, seq);
            }

            BuildPack(bt, seq, n);
            if (_writer.Overflowed || !publisher.Publish(_upTopic, _writer.Buffer, _writer.Length, false))
            {
                return sent;
            }

            Queue.RemoveFirst(n);
            sent++;
        }

        if (_heartbeatDue)
        {
            BuildHeartbeat(bt, _seq.Next());
            if (!publisher.Publish(_statusTopic, _writer.Buffer, _writer.Length, true))
            {
                return sent;
            }

            _heartbeatDue = false;
            sent++;
        }

        return sent;
    }

    /// <summary>The last will for the MQTT connect (payload bytes in <see cref="PayloadBuffer"/>).</summary>
    public int BuildLastWill()
    {
        _writer.WriteLastWill(_config.DeviceId);
        return _writer.Length;
    }

    public byte[] PayloadBuffer => _writer.Buffer;

    /// <summary>Handles a message on the device's down or cfg topic; returns an <see cref="ErrorCode"/>.</summary>
    public int OnDownlink(byte[] payload, int length, long nowMs)
    {
        if (!_json.Parse(payload, length))
        {
            return ErrorCode.Syntax;
        }

        var cmd = _json.Find("cmd");
        if (cmd < 0 || _json.StringEquals(cmd, "config"))
        {
            // The retained cfg topic carries the configuration without a "cmd" member.
            return ApplyConfigUpdate(nowMs);
        }

        if (_json.StringEquals(cmd, "help-coming"))
        {
            Indicator.Play(Indicator.HelpComing, nowMs);
            return ErrorCode.None;
        }

        if (_json.StringEquals(cmd, "test-alarm"))
        {
            Emit(Measurement.Test, 0, true, nowMs);
            Indicator.Play(Indicator.TestAlarm, nowMs);
            return ErrorCode.None;
        }

        if (_json.StringEquals(cmd, "pre-alarm"))
        {
            // Only a node whose button can answer it (a pendant, a wearable): elsewhere the cancel would be refused.
            if (!Profile.HasAction(_config.Profile, Profile.ActionCancel))
            {
                return ErrorCode.UnknownCommand;
            }

            long seconds;
            if (!_json.TryGetInteger(_json.Find("s"), out seconds) || seconds < 0 || seconds > MaxPreAlarmSeconds)
            {
                return ErrorCode.InvalidValue;
            }

            if (seconds == 0)
            {
                EndPreAlarm(nowMs);
            }
            else
            {
                StartPreAlarm(seconds, nowMs);
            }

            return ErrorCode.None;
        }

        if (_json.StringEquals(cmd, "pre-alarm-end"))
        {
            EndPreAlarm(nowMs);
            return ErrorCode.None;
        }

        if (_json.StringEquals(cmd, "time"))
        {
            long t;
            if (!_json.TryGetInteger(_json.Find("t"), out t) || t < EarliestValidTime)
            {
                return ErrorCode.InvalidValue;
            }

            Clock.Sync(t, nowMs);
            return ErrorCode.None;
        }

        return ErrorCode.UnknownCommand;
    }

    /// <summary>Swaps in a validated configuration (provisioning commit) and persists it.</summary>
    public int Commit(DeviceConfig candidate, long nowMs)
    {
        var missing = candidate.MissingRequired();
        if (missing != null)
        {
            return ErrorCode.Incomplete;
        }

        if (candidate.CheckConsistency() != ErrorCode.None)
        {
            return ErrorCode.Inconsistent;
        }

        if (!_configStore.Save(candidate))
        {
            return ErrorCode.Storage;
        }

        _config.CopyFrom(candidate);
        Provisioned = true;
        ApplyConfig(nowMs);
        return ErrorCode.None;
    }

    /// <summary>Erases config, outbox and sequence: the device must be provisioned and registered again.</summary>
    public void FactoryReset(long nowMs)
    {
        _configStore.Erase();
        Queue.Clear();
        _seq.Reset();
        _config.Reset();
        Provisioned = false;
        ApplyConfig(nowMs);
    }

    private int ApplyConfigUpdate(long nowMs)
    {
        _staged.CopyFrom(_config);
        for (var i = 0; i < _json.MemberCount; i++)
        {
            if (_json.KeyEquals(i, "cmd"))
            {
                continue;
            }

            var key = _json.KeyAt(i);
            if (key == null)
            {
                return ErrorCode.UnknownKey;
            }

            // Credentials and identity change only over the serial line, in the technician's hands.
            if (DeviceConfig.IsCredentialKey(key))
            {
                return ErrorCode.Forbidden;
            }

            var setting = Setting.FindByName(key);
            if (setting < 0)
            {
                return ErrorCode.UnknownKey;
            }

            long value;
            if (!_json.TryGetInteger(i, out value))
            {
                return ErrorCode.InvalidValue;
            }

            var error = _staged.SetNumber(setting, value);
            if (error != ErrorCode.None)
            {
                return error;
            }
        }

        return Commit(_staged, nowMs);
    }

    private void ApplyConfig(long nowMs)
    {
        var c = _config;
        var debounce = c.Get(Setting.DebounceMs);
        _door.StableMs = debounce;
        _leak.StableMs = debounce;
        _button.DebounceMs = debounce;
        _button.HoldMs = c.Get(Setting.CancelHoldMs);
        _button.VisitHoldMs = c.Get(Setting.VisitHoldMs);
        _gasAlarm.Configure(c.Get(Setting.GasAlarmOnPpm), c.Get(Setting.GasAlarmOffPpm), c.Get(Setting.GasHoldMs));
        // No hold time: a crossing only makes the node report sooner, it raises nothing by itself.
        _coAlarm.Configure(c.Get(Setting.CoAlarmOnPpm), c.Get(Setting.CoAlarmOffPpm), 0);
        _pir.IntervalMs = c.Get(Setting.PirIntervalSeconds) * 1000;
        _pir.HoldoffMs = c.Get(Setting.PirHoldoffMs);
        _fall.Configure(c);
        _sosWindow.DurationMs = c.Get(Setting.SosCancelMs);
        _fallWindow.DurationMs = c.Get(Setting.FallCancelMs);
        _upTopic = "sc/v1/" + c.DeviceId + "/up";
        _statusTopic = "sc/v1/" + c.DeviceId + "/status";

        var p = c.Profile;
        // heartbeat_s may make a node beat more often than its kind's supervision interval, never less: the hub
        // would report a silent life-safety device.
        _heartbeatMs = c.Get(Setting.HeartbeatSeconds) * 1000L;
        if (p != Profile.None && Profile.Row(p).HeartbeatSeconds * 1000L < _heartbeatMs)
        {
            _heartbeatMs = Profile.Row(p).HeartbeatSeconds * 1000L;
        }

        Scheduler.SetPeriod(SamplingScheduler.Accelerometer, Profile.Has(p, Profile.SensorAccelerometer) ? 20 : 0, nowMs);
        Scheduler.SetPeriod(SamplingScheduler.Inputs, 10, nowMs);
        Scheduler.SetPeriod(SamplingScheduler.Gas, Profile.Has(p, Profile.SensorGas) ? 1000 : 0, nowMs);
        Scheduler.SetPeriod(SamplingScheduler.Climate, Profile.Has(p, Profile.SensorClimate) ? c.Get(Setting.ReadingSeconds) * 1000 : 0, nowMs);
        Scheduler.SetPeriod(SamplingScheduler.Co, Profile.Has(p, Profile.SensorCo) ? 1000 : 0, nowMs);
    }

    private void Emit(int measurement, int value, bool boolValue, long atMs)
    {
        if (!Profile.Sends(_config.Profile, measurement))
        {
            NotForProfile++;
            return;
        }

        if (Measurement.Kind(measurement) == Measurement.KindNumber)
        {
            value = Measurement.Clamp(measurement, value);
        }

        if (Clock.IsSynced)
        {
            Queue.Enqueue(measurement, value, boolValue, Clock.UnixSeconds(atMs), true);
        }
        else
        {
            Queue.Enqueue(measurement, value, boolValue, atMs, false);
        }
    }

    private void BuildHeartbeat(long bt, uint seq)
    {
        _writer.BeginPack(_config.DeviceId, bt, seq);
        _writer.AddBool(Measurement.Online, true, 0);
        _writer.AddNumber(Measurement.Bat, Measurement.Clamp(Measurement.Bat, BatteryPercent), 0);
        _writer.AddNumber(Measurement.Rssi, Measurement.Clamp(Measurement.Rssi, RssiDbm), 0);
        _writer.AddString(Measurement.Fw, FirmwareVersion, 0);
        _writer.End();
    }

    private void BuildPack(long bt, uint seq, int count)
    {
        _writer.BeginPack(_config.DeviceId, bt, seq);
        for (var i = 0; i < count; i++)
        {
            long t = 0;
            if (Queue.HasUnixTime(i))
            {
                t = Queue.TimeAt(i) - bt;
                // A record stamped after bt (clock stepped back by a sync) is sent as "now".
                if (t > 0)
                {
                    t = 0;
                }
            }

            var m = Queue.MeasurementAt(i);
            if (Measurement.Kind(m) == Measurement.KindBool)
            {
                _writer.AddBool(m, Queue.BoolAt(i), t);
            }
            else
            {
                _writer.AddNumber(m, Queue.ValueAt(i), t);
            }
        }

        _writer.End();
    }
}
