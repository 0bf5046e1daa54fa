using System.Collections.Concurrent;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Firmware.FallEval;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Node;

/// <summary>
/// One device's firmware, running on .NET: the real <see cref="NodeCore"/> (outbox, sequence numbers,
/// encoder, cancel windows, fall detector, downlinks) fed by virtual hardware — a button, an
/// accelerometer playing synthetic traces, a CO sensor, and sensors driven by the signal models. This class is the
/// equivalent of the device's Program.cs loop; everything it decides is the core's decision.
/// Not thread-safe by itself: <see cref="Lock"/> serialises the agent loop, scenarios and the transport.
/// </summary>
internal sealed class VirtualNode
{
    /// <summary>Step of the sampling loop when nothing fast is going on (gas is read every second).</summary>
    private const int CoarseStepMs = 1000;

    /// <summary>Step while the button, a trace or a debounce is in progress (the firmware polls inputs at 10 ms).</summary>
    private const int FineStepMs = 10;

    /// <summary>Step while a cancel window runs, so the alert leaves close to when the window ends.</summary>
    private const int WindowStepMs = 100;

    private const int PressMs = 200;

    /// <summary>Between two queued presses: long enough for the firmware's debouncer to see the release.</summary>
    private const int ReleaseGapMs = 300;
    private const int PirPulseMs = 1500;

    /// <summary>The resident's "I am OK" hold: past the firmware's <c>cancel_hold_ms</c> (2 s).</summary>
    public static readonly TimeSpan CancelHold = TimeSpan.FromSeconds(2.5);

    /// <summary>The grid worker's visit hold: past the firmware's <c>visit_hold_ms</c> (5 s).</summary>
    public static readonly TimeSpan VisitHold = TimeSpan.FromSeconds(5.5);

    private readonly NodeCore _core;
    private readonly SimulatedClock _clock;
    private readonly Random _random;
    private readonly VitalsModel _vitals;
    private readonly bool _routine;
    private readonly ConcurrentQueue<byte[]> _downlinks = new();
    private long _nowMs;

    // Virtual hardware. Presses queue one after another: (down at, up at) in node ms, and who waits for the release.
    private readonly Queue<(long DownAt, long UpAt, TaskCompletionSource Released)> _presses = new();
    private AccelTrace? _trace;
    private long _traceStart;
    private int _traceIndex;
    private int _gasSpikePpm;
    private long _gasSpikeUntil = long.MinValue;
    private bool _leakWet;
    private bool _doorOpen;
    private long _doorChangeAt = long.MaxValue;
    private long _pirIntervalEnd = long.MinValue;
    private long _pirNextPulse = long.MaxValue;
    private long _pirPulseEnd = long.MinValue;
    private int _pirPulsesLeft;
    private long _pirSpacing;
    private long _fastUntil = long.MinValue;

    /// <param name="sampleAtBoot">False: the loop's first pass waits for <see cref="SampleAtBoot"/> (a caller that sets its
    /// signals after construction).</param>
    public VirtualNode(DeviceCredentials credentials, IReadOnlyDictionary<string, int> settings, IStorage storage, SimulatedClock clock, Random random, bool routine, bool sampleAtBoot = true)
    {
        _clock = clock;
        _random = random;
        _routine = routine;
        _vitals = new VitalsModel(new Random(random.Next()));
        Kind = credentials.Kind;
        _nowMs = ElapsedMs();
        _core = new NodeCore(storage, _nowMs);
        var config = _core.Config;
        if (_core.Provisioned && (config.DeviceId != credentials.Id || config.DeviceSecret != credentials.Secret || config.Profile != Profile.FindByName(credentials.Kind.ToWire())))
        {
            // Stored for another identity: a different device as far as the hub knows, so it starts factory-fresh.
            _core.FactoryReset(_nowMs);
        }

        // Every start, so the settings are this run's; a node already provisioned keeps its sequence numbers and outbox.
        Provision(credentials, settings);

        // SNTP at boot: the node knows the date before its first record.
        SyncClock(_nowMs);
        Climate = Kind == DeviceKind.Climate ? new ClimateModel(new Random(random.Next())) : null;
        Gas = Kind == DeviceKind.Smoke ? new GasModel(new Random(random.Next())) : null;
        Door = Kind == DeviceKind.Door ? new DoorRoutine(new Random(random.Next())) : null;
        Co = Kind == DeviceKind.Co ? new CoModel(new Random(random.Next())) : null;
        if (Door is not null && routine)
        {
            _doorChangeAt = _nowMs + (long)Door.NextChangeIn(_clock.LocalAt(TimeSpan.FromMilliseconds(_nowMs))).TotalMilliseconds;
        }

        if (sampleAtBoot)
        {
            SampleAtBoot();
        }
    }

    /// <summary>The loop's first pass, at boot: the sensors that are due now are read now.</summary>
    public void SampleAtBoot() => Sample(_nowMs);

    public Lock Lock { get; } = new();

    public DeviceKind Kind { get; }

    public NodeCore Core => _core;

    public ClimateModel? Climate { get; }

    public GasModel? Gas { get; }

    public DoorRoutine? Door { get; }

    public CoModel? Co { get; }

    /// <summary>The node's monotonic clock (simulated milliseconds since the fleet started).</summary>
    public long NowMs => _nowMs;

    /// <summary>The real time up to which the sampling loop has run (the agent's next wake is measured from here).</summary>
    public DateTimeOffset RanUntil => _clock.RealAt(TimeSpan.FromMilliseconds(_nowMs));

    /// <summary>Something is in progress that should be looked at again soon (a press, a trace, a cancel window).</summary>
    public bool Busy => _core.SosPending || _core.FallPending || _trace is not null || _nowMs < _fastUntil || _presses.Count > 0;

    /// <summary>What the CO sensor reads (ppm), for a node provisioned with the <c>co</c> profile: when set, this value;
    /// otherwise the <see cref="Co"/> model (clean indoor air, or a blocked flue), or its baseline on a node of another kind.</summary>
    public int? CoPpm { get; set; }

    /// <summary>What the climate sensor's temperature reads (°C) at a local time, when set: instead of the
    /// <see cref="Climate"/> model's (humidity still comes from the model). A scenario the model cannot make.</summary>
    public Func<DateTimeOffset, double>? TemperatureSignal { get; set; }

    /// <summary>What the gas sensor reads (ppm) at a local time, when set: instead of the <see cref="Gas"/> model.</summary>
    public Func<DateTimeOffset, double>? GasSignal { get; set; }

    /// <summary>The PIR module's output level at a local time, when set: instead of pulses drawn from the
    /// <see cref="ActivityRoutine"/>. The core counts its rising edges (PirCounter).</summary>
    public Func<DateTimeOffset, bool>? PirSignal { get; set; }

    /// <summary>Runs the sampling loop from where it stopped up to the simulated now.</summary>
    public void RunToNow() => RunUntil(ElapsedMs());

    /// <summary>Runs the sampling loop from where it stopped up to the simulated instant of real time <paramref name="real"/>.</summary>
    public void RunUntil(DateTimeOffset real) => RunUntil((long)_clock.ElapsedAt(real).TotalMilliseconds);

    /// <summary>Queues a message from the <c>down</c> or <c>cfg</c> topic; the loop hands it to the core (as the device's main loop does).</summary>
    public void EnqueueDownlink(byte[] payload) => _downlinks.Enqueue(payload);

    public void OnConnected()
    {
        RunToNow();
        _core.OnConnected(_nowMs);
    }

    /// <summary>Publishes the outbox and a due heartbeat through <paramref name="publisher"/> (blocks for each PUBACK).</summary>
    public int Flush(IPublisher publisher)
    {
        RunToNow();
        var (battery, rssi) = _vitals.Sample(_clock.LocalAt(TimeSpan.FromMilliseconds(_nowMs)));
        _core.BatteryPercent = (int)battery;
        _core.RssiDbm = (int)rssi;
        return _core.Flush(publisher, _nowMs);
    }

    /// <summary>The last will payload the core builds for the MQTT connect.</summary>
    public byte[] LastWill()
    {
        var n = _core.BuildLastWill();
        return _core.PayloadBuffer.AsSpan(0, n).ToArray();
    }

    // ---- scenarios: they change the virtual hardware; the core decides what that means ----

    public Task PressButton() => PressButton(TimeSpan.FromMilliseconds(PressMs));

    /// <summary>
    /// Presses the virtual button for <paramref name="hold"/>, after any press still queued (released in between long
    /// enough for the debouncer): <c>PressButton(2.5 s)</c> during a pre-alarm is the resident's cancel (during an SOS or
    /// fall cancel window it calls that off), <c>PressButton(0.2 s)</c> then <c>PressButton(5.5 s)</c> the grid worker's
    /// visit (firmware/README.md, "Button gestures"). The task completes once the core has seen the release.
    /// </summary>
    public Task PressButton(TimeSpan hold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(hold, TimeSpan.Zero);
        RunToNow();
        var downAt = _nowMs;
        foreach (var p in _presses)
        {
            downAt = Math.Max(downAt, p.UpAt + Math.Max(ReleaseGapMs, _core.Config.Get(Setting.DebounceMs) + 100));
        }

        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _presses.Enqueue((downAt, downAt + (long)hold.TotalMilliseconds, released));
        return released.Task;
    }

    /// <summary>A blocked flue: the CO cell's reading starts rising (<see cref="CoModel"/>).</summary>
    public void StartCoLeak()
    {
        RunToNow();
        Co!.StartLeak(LocalAt(_nowMs));
    }

    public void PlayTrace(AccelTrace trace)
    {
        RunToNow();
        _trace = trace;
        _traceStart = _nowMs - trace.TimeAt(0);
        _traceIndex = 0;
    }

    /// <summary>A gas spike held long enough for the core's smoke hysteresis (gas_hold_ms) to trip.</summary>
    public void GasSpike(int ppm)
    {
        RunToNow();
        _gasSpikePpm = ppm;
        _gasSpikeUntil = _nowMs + _core.Config.Get(Setting.GasHoldMs) + 5000;
    }

    public void SetLeak(bool wet)
    {
        RunToNow();
        _leakWet = wet;
        _fastUntil = _nowMs + 1000;
    }

    /// <summary>How long the node may need, in simulated time, to turn the current scenario into a record.</summary>
    public TimeSpan ScenarioBudget(Scenarios.Scenario scenario) => TimeSpan.FromMilliseconds(scenario switch
    {
        Scenarios.Scenario.Sos => PressMs + _core.Config.Get(Setting.SosCancelMs),
        Scenarios.Scenario.Fall => (_trace?.DurationMs ?? 0) + _core.Config.Get(Setting.FallCancelMs),
        Scenarios.Scenario.Smoke => _core.Config.Get(Setting.GasHoldMs) + 2000,
        Scenarios.Scenario.Cancel => (long)CancelHold.TotalMilliseconds + 1000,
        Scenarios.Scenario.Visit => PressMs + ReleaseGapMs + (long)VisitHold.TotalMilliseconds + 1000,
        _ => 1000,
    });

    private void RunUntil(long targetMs)
    {
        while (_downlinks.TryDequeue(out var payload))
        {
            var error = _core.OnDownlink(payload, payload.Length, _nowMs);
            DownlinkHandled?.Invoke(payload, error);
        }

        while (_nowMs < targetMs)
        {
            var fast = _trace is not null || _presses.Count > 0 || _nowMs < _fastUntil;
            var step = fast ? FineStepMs : _core.SosPending || _core.FallPending ? WindowStepMs : CoarseStepMs;
            _nowMs = Math.Min(targetMs, _nowMs + step);
            Sample(_nowMs);
        }
    }

    /// <summary>Raised (under the lock) after the core handled a downlink, with its <see cref="ErrorCode"/>.</summary>
    public event Action<byte[], int>? DownlinkHandled;

    private void Sample(long now)
    {
        if (_clock.Speed != 1.0)
        {
            // The routine runs faster than real time, but records must carry real times: re-sync the
            // node's wall clock to the real time of this simulated instant (SNTP in fast forward).
            SyncClock(now);
        }

        FeedAccelerometer(now);
        var scheduler = _core.Scheduler;
        if (scheduler.IsDue(SamplingScheduler.Inputs, now))
        {
            _core.OnButton(ButtonDown(now), now);

            switch (Kind)
            {
                case DeviceKind.Door:
                    if (now >= _doorChangeAt)
                    {
                        _doorOpen = Door!.Toggle();
                        _doorChangeAt = now + (long)Door.NextChangeIn(LocalAt(now)).TotalMilliseconds;
                        _fastUntil = now + 1000;
                    }

                    _core.OnDoor(_doorOpen, now);
                    break;
                case DeviceKind.Leak:
                    _core.OnLeak(_leakWet, now);
                    break;
                case DeviceKind.Pir:
                    _core.OnPir(PirSignal is { } pir ? pir(LocalAt(now)) : PirLevel(now), now);
                    break;
            }
        }

        if (Gas is not null && scheduler.IsDue(SamplingScheduler.Gas, now))
        {
            _core.OnGas(now < _gasSpikeUntil ? _gasSpikePpm : GasSignal is { } gas ? (int)Math.Round(gas(LocalAt(now))) : (int)Gas.Sample(), now);
        }

        // Due only on a node provisioned with the co profile (the core sets the slot's period).
        if (scheduler.IsDue(SamplingScheduler.Co, now))
        {
            _core.OnCo(CoPpm ?? (int)(Co?.Sample(LocalAt(now)) ?? CoModel.Baseline), now);
        }

        if (Climate is not null && _routine && scheduler.IsDue(SamplingScheduler.Climate, now))
        {
            var local = LocalAt(now);
            var (temp, hum) = Climate.Sample(local);
            if (TemperatureSignal is { } celsius)
            {
                temp = celsius(local);
            }

            _core.OnClimate((int)Math.Round(temp * 100), (int)Math.Round(hum * 10), now);
        }

        _core.Tick(now);
    }

    private bool ButtonDown(long now)
    {
        while (_presses.Count > 0)
        {
            var (downAt, upAt, _) = _presses.Peek();
            if (now < upAt + _core.Config.Get(Setting.DebounceMs) + 50)
            {
                return now >= downAt && now < upAt;
            }

            // Released and seen released: the press is over.
            _presses.Dequeue().Released.TrySetResult();
        }

        return false;
    }

    private void FeedAccelerometer(long now)
    {
        if (_trace is null)
        {
            return;
        }

        while (_traceIndex < _trace.Count && _traceStart + _trace.TimeAt(_traceIndex) <= now)
        {
            _core.OnAccelerometer(_trace.XAt(_traceIndex), _trace.YAt(_traceIndex), _trace.ZAt(_traceIndex), _traceStart + _trace.TimeAt(_traceIndex));
            _traceIndex++;
        }

        if (_traceIndex >= _trace.Count)
        {
            _trace = null;
        }
    }

    /// <summary>
    /// The PIR output: at the start of each activity interval the routine says how many activations
    /// it will have; they are spread over the interval as 1.5 s pulses (further apart than the
    /// re-trigger hold-off, so the core counts each one).
    /// </summary>
    private bool PirLevel(long now)
    {
        if (!_routine)
        {
            return false;
        }

        var interval = (long)ActivityRoutine.Interval.TotalMilliseconds;
        if (now >= _pirIntervalEnd)
        {
            var holdoff = _core.Config.Get(Setting.PirHoldoffMs);
            var maxPulses = (int)(interval / (PirPulseMs + holdoff + 1000));
            _pirPulsesLeft = Math.Min(maxPulses, ActivityRoutine.SampleCount(LocalAt(now), _random));
            _pirSpacing = _pirPulsesLeft == 0 ? interval : interval / _pirPulsesLeft;
            _pirNextPulse = now;
            _pirIntervalEnd = now + interval;
        }

        if (_pirPulsesLeft > 0 && now >= _pirNextPulse)
        {
            _pirPulsesLeft--;
            _pirPulseEnd = now + PirPulseMs;
            _pirNextPulse += _pirSpacing;
        }

        return now < _pirPulseEnd;
    }

    private void Provision(DeviceCredentials credentials, IReadOnlyDictionary<string, int> settings)
    {
        // The same line protocol a technician uses (firmware/README.md): the core validates every value.
        var session = new ProvisioningSession(_core);
        var lines = new List<string>
        {
            "SET wifi_ssid simulated-wifi",
            "SET wifi_password simulated-wifi-password",
            "SET broker_url mqtts://simulated-hub:8883",
            "SET device_id " + credentials.Id,
            "SET device_secret " + credentials.Secret,
            "SET ca_sha256 " + new string('0', 64),
            "SET profile " + credentials.Kind.ToWire(),
        };
        // Every numeric setting from its default up, so a setting given to an earlier run (--set) does not linger in flash.
        var all = Enumerable.Range(0, Setting.Count).ToDictionary(Setting.Name, Setting.Default, StringComparer.Ordinal);
        foreach (var (name, value) in settings)
        {
            all[name] = value;
        }

        lines.AddRange(all.Select(s => $"SET {s.Key} {s.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
        lines.Add("COMMIT");
        foreach (var line in lines)
        {
            var reply = session.Handle(line, _nowMs);
            if (!reply.StartsWith("OK", StringComparison.Ordinal))
            {
                var shown = line.StartsWith("SET device_secret", StringComparison.Ordinal) ? "SET device_secret …" : line;
                throw new ArgumentException($"{credentials.Id}: the firmware refused '{shown}': {reply}", nameof(credentials));
            }
        }
    }

    private void SyncClock(long nowMs) =>
        _core.Clock.Sync(_clock.RealAt(TimeSpan.FromMilliseconds(nowMs)).ToUnixTimeSeconds(), nowMs);

    private DateTimeOffset LocalAt(long ms) => _clock.LocalAt(TimeSpan.FromMilliseconds(ms));

    private long ElapsedMs() => (long)_clock.Elapsed.TotalMilliseconds;
}
