using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Devices;
using SmartCommunity.SensorNode.Core;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Node;
using SmartCommunity.Simulator.Protocol;
using SmartCommunity.Simulator.Scenarios;
using SmartCommunity.Simulator.Signals;

namespace SmartCommunity.Simulator.Engine;

/// <summary>
/// A fleet of simulated devices, each on its own MQTT connection with its own credentials, running
/// its routine (heartbeats, readings) until stopped. Scenarios are injected with <see cref="InjectAsync"/>.
/// </summary>
/// <example>
/// <code>
/// await using var fleet = SimulatedFleet.FromFleetFile(await FleetFile.LoadAsync(path));
/// await fleet.StartAsync(ct);
/// var sos = await fleet.InjectAsync("sos-0001", Scenario.Sos, ct);   // returns after the PUBACK
/// </code>
/// </example>
public sealed class SimulatedFleet : IAsyncDisposable
{
    private readonly Dictionary<string, DeviceAgent> _agents = new(StringComparer.Ordinal);
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectGate;
    private readonly Random _random;
    private readonly Lock _lifecycle = new();
    private CancellationTokenSource? _runCts;
    private Task[] _running = [];
    private bool _disposed;

    public SimulatedFleet(IEnumerable<DeviceCredentials> devices, SimulatorOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
        : this((devices ?? throw new ArgumentNullException(nameof(devices))).Select(c => new Node(c, null, null)), options, timeProvider, loggerFactory)
    {
    }

    private SimulatedFleet(IEnumerable<Node> nodes, SimulatorOptions? options, TimeProvider? timeProvider, ILoggerFactory? loggerFactory)
    {
        _options = options ?? new SimulatorOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<SimulatedFleet>();
        var deviceLogger = loggers.CreateLogger<SimulatedDevice>();
        _connectGate = new SemaphoreSlim(_options.MaxConcurrentConnects, _options.MaxConcurrentConnects);
        _random = _options.Seed is { } seed ? new Random(seed) : new Random();
        Clock = new SimulatedClock(_time, _options.Speed);

        foreach (var (credentials, storage, own) in nodes)
        {
            if (_agents.ContainsKey(credentials.Id))
            {
                throw new ArgumentException($"Device {credentials.Id} is listed twice.", nameof(nodes));
            }

            // Random is not thread-safe: the device (heartbeats) and its agent (readings) each get their own.
            var deviceSeed = Noise.StableHash(credentials.Id) ^ (_options.Seed ?? _random.Next());
            var random = new Random(deviceSeed);
            var device = new SimulatedDevice(credentials, own ?? _options, _time, Clock, new Random(~deviceSeed), deviceLogger, storage);
            device.MessageReceived += (sender, message) => MessageReceived?.Invoke(sender, message);
            _agents.Add(credentials.Id, new DeviceAgent(device, _options, _time, _connectGate, random, deviceLogger));
        }

        Devices = _agents.Values.Select(a => a.Device).ToArray();
    }

    /// <summary>
    /// A fleet from the hub's fleet file. The broker address comes from the file unless
    /// <paramref name="options"/> is given (then its Host and Port are used as they are).
    /// </summary>
    public static SimulatedFleet FromFleetFile(FleetFile file, SimulatorOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= new SimulatorOptions { Host = file.Mqtt.Host, Port = file.Mqtt.Port };
        return new SimulatedFleet(file.Devices, options, timeProvider, loggerFactory);
    }

    /// <summary>
    /// A fleet of nodes that were provisioned over their serial line (by <c>sc-provision</c>): each storage is a node's
    /// flash holding its firmware core's committed config. Like the device after a reboot, each one connects where its
    /// <c>broker_url</c> says, over TLS pinning its <c>ca_sha256</c> (the CA from the broker or
    /// <see cref="SimulatorOptions.CaCertificates"/>), as its <c>device_id</c> with its <c>device_secret</c>, and runs with
    /// its provisioned settings. <paramref name="options"/>' Host, Port and ServerCaSha256 are not used.
    /// </summary>
    /// <exception cref="ArgumentException">A node is not provisioned, or its profile is not simulated.</exception>
    public static SimulatedFleet FromProvisionedNodes(IEnumerable<IStorage> nodes, SimulatorOptions? options = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        options ??= new SimulatorOptions();
        var list = new List<Node>();
        foreach (var storage in nodes)
        {
            var config = new DeviceConfig();
            if (!new ConfigStore(storage).Load(config) || !config.IsComplete)
            {
                throw new ArgumentException($"A node is not provisioned (missing {config.MissingRequired() ?? "its config"}).", nameof(nodes));
            }

            var profile = Profile.Name(config.Profile);
            if (!DeviceKinds.TryParse(profile, out var kind))
            {
                throw new ArgumentException($"{config.DeviceId}: profile '{profile}' is not simulated.", nameof(nodes));
            }

            // mqtts://host[:port], already checked by the core (DeviceConfig.IsValidBrokerUrl); 8883 is MQTT over TLS.
            var rest = config.BrokerUrl["mqtts://".Length..];
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            var own = options with
            {
                Host = colon < 0 ? rest : rest[..colon],
                Port = colon < 0 ? 8883 : int.Parse(rest[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture),
                ServerCaSha256 = config.CaSha256,
            };
            list.Add(new Node(new DeviceCredentials(config.DeviceId, kind, config.DeviceSecret), storage, own));
        }

        return new SimulatedFleet(list, options, timeProvider, loggerFactory);
    }

    public IReadOnlyList<SimulatedDevice> Devices { get; }

    public SimulatorOptions Options => _options;

    /// <summary>The simulation clock (real time × speed) the signal models use.</summary>
    public SimulatedClock Clock { get; }

    public bool IsRunning => _runCts is not null;

    public long Published => Devices.Sum(d => d.Published);

    public long Failed => Devices.Sum(d => d.Failed);

    public int ConnectedDevices => Devices.Count(d => d.IsConnected);

    /// <summary>A device received a message on its <c>down</c> or <c>cfg</c> topic (sender: the <see cref="SimulatedDevice"/>).</summary>
    public event EventHandler<DownlinkMessage>? MessageReceived;

    public SimulatedDevice GetDevice(string deviceId) => GetAgent(deviceId).Device;

    public FleetCounters GetCounters() => new(
        Devices.Count,
        ConnectedDevices,
        Published,
        Failed,
        Devices.Sum(d => d.ConnectAttempts),
        Devices.Sum(d => d.ConnectFailures),
        Devices.Sum(d => d.Received));

    /// <summary>
    /// Starts every device and returns once each has made its first connection attempt (successful
    /// or not; failed ones keep retrying with backoff).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_lifecycle)
        {
            if (_runCts is not null)
            {
                throw new InvalidOperationException("The fleet is already running.");
            }

            _runCts = new CancellationTokenSource();
            var token = _runCts.Token;
            _running = _agents.Values.Select(a => Task.Run(() => a.RunAsync(token), CancellationToken.None)).ToArray();
        }

        _logger.LogInformation("Starting {Count} simulated devices against {Host}:{Port} (MQTT {Version}, speed ×{Speed})",
            _agents.Count, _options.Host, _options.Port, _options.ProtocolVersion, _options.Speed);
        await Task.WhenAll(_agents.Values.Select(a => a.FirstAttempt)).WaitAsync(cancellationToken);
        _logger.LogInformation("{Connected}/{Count} devices connected", ConnectedDevices, _agents.Count);
    }

    /// <summary>Waits until every device that is not held offline is connected.</summary>
    public async Task WaitUntilConnectedAsync(CancellationToken cancellationToken = default) =>
        await Task.WhenAll(_agents.Values.Where(a => !a.HeldOffline).Select(a => a.Device.WaitUntilConnectedAsync(cancellationToken)));

    /// <summary>Stops every device: its routine ends and it disconnects cleanly.</summary>
    public async Task StopAsync()
    {
        CancellationTokenSource? cts;
        Task[] running;
        lock (_lifecycle)
        {
            (cts, _runCts) = (_runCts, null);
            (running, _running) = (_running, []);
        }

        if (cts is null)
        {
            return;
        }

        await cts.CancelAsync();
        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cts.Dispose();

        using var timeout = new CancellationTokenSource(_options.CommunicationTimeout, _time);
        await Task.WhenAll(Devices.Select(d => d.DisconnectAsync(_options.AnnounceOfflineOnStop, timeout.Token)))
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _logger.LogInformation("Stopped {Count} simulated devices: {Counters}", _agents.Count, GetCounters());
    }

    /// <summary>
    /// Makes <paramref name="scenario"/> happen on a device's virtual hardware and lets its firmware
    /// core react: sos presses the button, fall plays a synthetic fall into the accelerometer, smoke
    /// raises the gas sensor above the alarm threshold, leak wets the probe, test delivers the
    /// test-alarm command, cancel holds the button 2.5 s, visit plays the grid worker's gesture. Event scenarios return
    /// once the core's record was published and acknowledged, with the sequence number and base time of its pack — so sos
    /// and fall return only after the core's cancel window (<c>sos_cancel_ms</c>, <c>fall_cancel_ms</c>) has run out on the
    /// <see cref="TimeProvider"/>. A cancel answers a pre-alarm the hub announced with a <c>cancel</c> record (returned like
    /// an event); otherwise it calls off what waits on the device and returns once the button is released, with no record.
    /// heating-failure, co, offline and online return once they took effect.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such device.</exception>
    /// <exception cref="ArgumentException">The scenario does not apply to the device's kind.</exception>
    /// <exception cref="InvalidOperationException">The device is held offline, did not reconnect, or its core sent nothing within the inject timeout (plus the scenario's own time).</exception>
    public async Task<InjectionResult> InjectAsync(string deviceId, Scenario scenario, CancellationToken cancellationToken = default)
    {
        var agent = GetAgent(deviceId);
        var device = agent.Device;
        if (!scenario.AppliesTo(device.Kind))
        {
            throw new ArgumentException($"Scenario {scenario.ToCliName()} does not apply to {device.Kind.ToWire()} device {deviceId}.", nameof(scenario));
        }

        _logger.LogInformation("Scenario {Scenario} on {DeviceId}", scenario.ToCliName(), deviceId);
        switch (scenario)
        {
            case Scenario.HeatingFailure:
                lock (device.Node.Lock)
                {
                    device.Node.Climate!.StartHeatingFailure(Clock.LocalNow, _options.HeatingFailurePace);
                    if (_options.HeatingFailurePace > 1)
                    {
                        // A time-lapse is seen only with frequent readings: the core's minimum interval, set through its
                        // config downlink as the hub would set it (the next start provisions the kind's interval again).
                        device.Node.EnqueueDownlink("""{"cmd":"config","reading_s":10}"""u8.ToArray());
                    }
                }

                agent.Poke();
                return new InjectionResult(deviceId, scenario, null, _time.GetUtcNow(), ReadOnlyMemory<byte>.Empty);
            case Scenario.Co:
                lock (device.Node.Lock)
                {
                    device.Node.StartCoLeak();
                }

                agent.Poke();
                return new InjectionResult(deviceId, scenario, null, _time.GetUtcNow(), ReadOnlyMemory<byte>.Empty);
            case Scenario.Offline:
                await agent.GoOfflineAsync(cancellationToken);
                return new InjectionResult(deviceId, scenario, null, _time.GetUtcNow(), ReadOnlyMemory<byte>.Empty);
            case Scenario.Online:
                agent.GoOnline();
                await WithInjectTimeoutAsync(device, cancellationToken);
                return new InjectionResult(deviceId, scenario, null, _time.GetUtcNow(), ReadOnlyMemory<byte>.Empty);
        }

        if (agent.HeldOffline)
        {
            throw new InvalidOperationException($"{deviceId} is offline (scenario 'online' brings it back).");
        }

        // Everything up to the change of the virtual hardware happens before the first await, so a
        // test can start the scenario and then advance a fake clock.
        var record = scenario.RecordName();
        var acknowledged = device.WaitForEventAsync(record);
        TimeSpan budget;
        Task? released = null;
        lock (device.Node.Lock)
        {
            var node = device.Node;
            switch (scenario)
            {
                case Scenario.Cancel:
                    node.RunToNow();
                    // Only an answer to the hub's "are you OK?" is sent; an SOS or fall in its window is called off on the device.
                    var answers = node.Core.PreAlarmPending;
                    var hold = node.PressButton(VirtualNode.CancelHold);
                    released = answers ? null : hold;
                    break;
                case Scenario.Visit:
                    node.PressButton();
                    node.PressButton(VirtualNode.VisitHold);
                    break;
                case Scenario.Sos:
                    node.PressButton();
                    break;
                case Scenario.Fall:
                    node.PlayTrace(FallTraces.Next(_random));
                    break;
                case Scenario.Smoke:
                    node.GasSpike((int)node.Gas!.AlarmSample());
                    break;
                case Scenario.Leak:
                    node.SetLeak(true);
                    break;
                case Scenario.Test:
                    node.EnqueueDownlink("""{"cmd":"test-alarm"}"""u8.ToArray());
                    break;
            }

            budget = node.ScenarioBudget(scenario);
        }

        agent.Poke();
        using var timeout = new CancellationTokenSource(Clock.ToReal(budget) + _options.InjectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (released is not null)
            {
                await released.WaitAsync(linked.Token);
                return new InjectionResult(deviceId, scenario, null, _time.GetUtcNow(), ReadOnlyMemory<byte>.Empty);
            }

            var receipt = await acknowledged.WaitAsync(linked.Token);
            return new InjectionResult(deviceId, scenario, receipt.Sequence, receipt.Timestamp, receipt.Payload);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{deviceId}: no acknowledged '{record}' record within {budget + _options.InjectTimeout} (cancelled on the device, or not connected).");
        }
        finally
        {
            device.ForgetWaiter(acknowledged);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await StopAsync();
        _disposed = true;
        foreach (var agent in _agents.Values)
        {
            agent.Dispose();
            await agent.Device.DisposeAsync();
        }

        _connectGate.Dispose();
    }

    private async Task WithInjectTimeoutAsync(SimulatedDevice device, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.InjectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await device.WaitUntilConnectedAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{device.Id} did not connect within {_options.InjectTimeout}.");
        }
    }

    /// <summary>One device to run: fresh (provisioned here from its credentials) or from a provisioned node's storage, with its own connection options.</summary>
    private sealed record Node(DeviceCredentials Credentials, IStorage? Storage, SimulatorOptions? Options);

    private DeviceAgent GetAgent(string deviceId) =>
        _agents.TryGetValue(deviceId, out var agent) ? agent : throw new KeyNotFoundException($"No simulated device '{deviceId}'.");
}
