using System.CommandLine;
using Microsoft.Extensions.Logging;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Simulator.Devices;
using SmartCommunity.Simulator.Engine;
using SmartCommunity.Simulator.Scenarios;

namespace SmartCommunity.Simulator.Cli;

/// <summary>The command line: options → fleet → run until Ctrl+C (or --duration).</summary>
internal static class SimulatorCommand
{
    private static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(60);

    private static readonly Option<FileInfo?> FleetOption = new("--fleet", "-f") { Description = "Fleet file written by the hub in demo mode (JSON with mqtt host/port and device credentials)." };
    private static readonly Option<string[]> DeviceOption = new("--device", "-d") { Description = "A device as id:kind:secret (repeatable). Kinds: " + string.Join(", ", WireName.All<DeviceKind>()) + "." };
    private static readonly Option<string?> HostOption = new("--host") { Description = "Broker host (default: from the fleet file, else 127.0.0.1)." };
    private static readonly Option<int?> PortOption = new("--port") { Description = "Broker port (default: from the fleet file, else 1883)." };
    private static readonly Option<string?> GatewayOption = new("--gateway") { Description = "Run the fleet behind a community gateway: its device broker as host[:port] (port 1883 unless given), instead of the hub. The devices must be registered at the hub in the gateway's community: the gateway knows them from its registry sync and refuses any other." };
    private static readonly Option<string> MqttVersionOption = new("--mqtt-version") { Description = "MQTT protocol version.", DefaultValueFactory = _ => "5" };
    private static readonly Option<double> SpeedOption = new("--speed") { Description = "Run the daily routine this many times faster (intervals are divided by it).", DefaultValueFactory = _ => 1.0 };
    private static readonly Option<double> HeatingFailurePaceOption = new("--heating-failure-pace") { Description = "Play heating-failure this many times faster than a real room cools (~1 °C per 20 min), with a reading every 10 s; e.g. 240 for a demo (below 16 °C within a minute).", DefaultValueFactory = _ => 1.0 };
    private static readonly Option<string[]> SetOption = new("--set") { Description = "A firmware setting for every node as name=value (repeatable), e.g. sos_cancel_ms=0, reading_s=10; names in firmware/README.md." };
    private static readonly Option<string?> ClientIdSuffixOption = new("--client-id-suffix") { Description = "Appended to the device id to make the MQTT client id, e.g. -sim." };
    private static readonly Option<string[]> ScenarioOption = new("--scenario", "-s") { Description = "scenario:deviceId[@delay], e.g. sos:sos-0001@30s (repeatable). Scenarios: sos, fall, smoke, leak, heating-failure, offline, online, test." };
    private static readonly Option<int?> SeedOption = new("--seed") { Description = "Seed for the signal models (repeatable runs)." };
    private static readonly Option<string?> DurationOption = new("--duration") { Description = "Stop after this long (e.g. 90s, 10m); default: until Ctrl+C." };
    private static readonly Option<bool> NoRoutineOption = new("--no-routine") { Description = "Only connect, heartbeat once and fire scenarios (no periodic readings/heartbeats)." };
    private static readonly Option<bool> NoInteractiveOption = new("--no-interactive") { Description = "Do not read scenario commands from standard input." };
    private static readonly Option<DirectoryInfo?> StorageOption = new("--storage") { Description = "Keep each device's flash (configuration, sequence numbers, outbox) in this folder, one subfolder per device, so a rerun continues where it stopped; default: in memory (every run starts factory-fresh)." };
    private static readonly Option<bool> NoAnnounceOfflineOption = new("--no-announce-offline") { Description = "On stop, disconnect cleanly without publishing the offline status: the hub marks the devices offline without an alert (the simulation pauses, no device failed)." };
    private static readonly Option<bool> VerboseOption = new("--verbose", "-v") { Description = "Log every publish, and each device's connects and disconnects." };

    public static Task<int> InvokeAsync(string[] args)
    {
        MqttVersionOption.AcceptOnlyFromAmong("3.1.1", "5");
        var root = new RootCommand("SmartCommunity device simulator: virtual SOS buttons, wearables, smoke, climate, PIR, door and leak sensors publishing SenML over MQTT with their own credentials.")
        {
            FleetOption, DeviceOption, HostOption, PortOption, GatewayOption, MqttVersionOption, SpeedOption, HeatingFailurePaceOption, SetOption, ClientIdSuffixOption,
            ScenarioOption, SeedOption, DurationOption, NoRoutineOption, NoInteractiveOption, StorageOption, NoAnnounceOfflineOption, VerboseOption,
        };
        root.Validators.Add(result =>
        {
            if (result.GetResult(GatewayOption) is not null && (result.GetResult(HostOption) is not null || result.GetResult(PortOption) is not null))
            {
                result.AddError("--gateway names the broker: give it, or --host/--port, not both.");
            }
        });
        root.SetAction(RunAsync);
        // Stopping disconnects every device cleanly; give it time before the process is torn down.
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) });
    }

    /// <summary>Parses <c>name=value</c> pairs; the firmware core validates names and ranges when it is provisioned.</summary>
    internal static Dictionary<string, int> ParseSettings(IEnumerable<string> pairs)
    {
        var settings = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0 || !int.TryParse(parts[1], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                throw new FormatException($"Expected name=integer, got '{pair}'.");
            }

            settings[parts[0]] = value;
        }

        return settings;
    }

    /// <summary>A gateway's device broker as <c>host</c>, <c>host:port</c> or <c>[ipv6]:port</c>; devices connect on 1883 unless a port is given.</summary>
    internal static (string Host, int Port) ParseGateway(string text)
    {
        var value = text.Trim();
        string host;
        string? port = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || (close + 1 < value.Length && value[close + 1] != ':'))
            {
                throw new FormatException($"Expected host[:port] for --gateway, got '{text}'.");
            }

            host = value[1..close];
            port = close + 1 < value.Length ? value[(close + 2)..] : null;
        }
        else
        {
            var colon = value.LastIndexOf(':');
            host = colon < 0 ? value : value[..colon];
            port = colon < 0 ? null : value[(colon + 1)..];
        }

        if (host.Length == 0 || host.Contains(':', StringComparison.Ordinal) && !value.StartsWith('['))
        {
            throw new FormatException($"Expected host[:port] for --gateway, got '{text}' (an IPv6 address goes in brackets).");
        }

        if (port is null)
        {
            return (host, FleetMqtt.Default.Port);
        }

        return int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535
            ? (host, p)
            : throw new FormatException($"--gateway port '{port}' is not a port number.");
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var verbose = parse.GetValue(VerboseOption);
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            })
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
            // A line per device per connect is chatter at a console with a fleet: the fleet's summary says it; problems still show.
            .AddFilter(typeof(SimulatedDevice).FullName, verbose ? LogLevel.Debug : LogLevel.Warning));
        var logger = loggerFactory.CreateLogger("SmartCommunity.Simulator");

        List<DeviceCredentials> devices;
        SimulatorOptions options;
        List<ScenarioRequest> scenarios;
        TimeSpan? duration;
        try
        {
            FleetFile? file = parse.GetValue(FleetOption) is { } fleetPath ? await FleetFile.LoadAsync(fleetPath.FullName, cancellationToken) : null;
            devices = [.. file?.Devices ?? []];
            devices.AddRange((parse.GetValue(DeviceOption) ?? []).Select(DeviceCredentials.Parse));
            if (devices.Count == 0)
            {
                logger.LogError("No devices: pass --fleet <file> or --device id:kind:secret");
                return 2;
            }

            (string Host, int Port)? gateway = parse.GetValue(GatewayOption) is { } g ? ParseGateway(g) : null;
            if (gateway is { } behind)
            {
                logger.LogInformation("Behind the community gateway at {Host}:{Port}: the devices must be in its community's registry at the hub", behind.Host, behind.Port);
            }

            options = new SimulatorOptions
            {
                Host = gateway?.Host ?? parse.GetValue(HostOption) ?? file?.Mqtt.Host ?? FleetMqtt.Default.Host,
                Port = gateway?.Port ?? parse.GetValue(PortOption) ?? file?.Mqtt.Port ?? FleetMqtt.Default.Port,
                ProtocolVersion = parse.GetValue(MqttVersionOption) == "3.1.1" ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500,
                Speed = parse.GetValue(SpeedOption),
                HeatingFailurePace = parse.GetValue(HeatingFailurePaceOption),
                NodeSettings = ParseSettings(parse.GetValue(SetOption) ?? []),
                ClientIdSuffix = parse.GetValue(ClientIdSuffixOption),
                Seed = parse.GetValue(SeedOption),
                RoutineTraffic = !parse.GetValue(NoRoutineOption),
                StorageDirectory = parse.GetValue(StorageOption)?.FullName,
                AnnounceOfflineOnStop = !parse.GetValue(NoAnnounceOfflineOption),
            };
            options.Validate();
            scenarios = [.. (parse.GetValue(ScenarioOption) ?? []).Select(ScenarioRequest.Parse)];
            duration = parse.GetValue(DurationOption) is { } d ? Durations.Parse(d) : null;
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            logger.LogError("{Message}", ex.Message);
            return 2;
        }

        SimulatedFleet created;
        try
        {
            created = new SimulatedFleet(devices, options, TimeProvider.System, loggerFactory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // A device's storage in use by another simulator, not writable, or a setting the firmware refused.
            logger.LogError("{Message}", ex.Message);
            return 2;
        }

        await using var fleet = created;
        fleet.MessageReceived += (_, m) => logger.LogInformation("{DeviceId} ← {Topic}: {Payload}", m.DeviceId, m.Topic, m.PayloadText);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var background = new List<Task>();
        try
        {
            await fleet.StartAsync(cancellationToken);
            background.AddRange(scenarios.Select(s => FireLaterAsync(fleet, s, logger, stopping.Token)));
            background.Add(ReportStatsAsync(fleet, logger, stopping.Token));
            if (!parse.GetValue(NoInteractiveOption) && !Console.IsInputRedirected)
            {
                logger.LogInformation("Type '<scenario> <deviceId>' (e.g. 'sos {DeviceId}'), 'status', 'devices' or 'help'", devices[0].Id);
            }

            if (!parse.GetValue(NoInteractiveOption))
            {
                // Not awaited on shutdown: Console.In cannot be cancelled while it waits for a line.
                _ = Task.Run(() => ReadCommandsAsync(fleet, logger, stopping.Token), CancellationToken.None);
            }

            await Task.Delay(duration ?? Timeout.InfiniteTimeSpan, TimeProvider.System, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            await stopping.CancelAsync();
            await Task.WhenAll(background).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await fleet.StopAsync();
        }

        var counters = fleet.GetCounters();
        logger.LogInformation("Done: {Published} published, {Failed} failed", counters.Published, counters.Failed);
        return 0;
    }

    private static async Task FireLaterAsync(SimulatedFleet fleet, ScenarioRequest request, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(request.Delay, TimeProvider.System, cancellationToken);
            await FireAsync(fleet, request, logger, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopped before the scenario was due.
        }
    }

    private static async Task FireAsync(SimulatedFleet fleet, ScenarioRequest request, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            var result = await fleet.InjectAsync(request.DeviceId, request.Scenario, cancellationToken);
            if (result.Sequence is { } seq)
            {
                logger.LogInformation("{Scenario} on {DeviceId} published: seq {Seq}, bt {Time:O}", request.Scenario.ToCliName(), request.DeviceId, seq, result.Timestamp);
            }
        }
        catch (Exception ex) when (ex is KeyNotFoundException or ArgumentException or InvalidOperationException or PublishFailedException)
        {
            logger.LogError("{Scenario} on {DeviceId} failed: {Message}", request.Scenario.ToCliName(), request.DeviceId, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static async Task ReadCommandsAsync(SimulatedFleet fleet, ILogger logger, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var line = await Console.In.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return; // End of input: keep simulating.
            }

            line = line.Trim();
            switch (line.ToUpperInvariant())
            {
                case "":
                    continue;
                case "HELP" or "?":
                    logger.LogInformation("Commands: <scenario> <deviceId> ({Scenarios}); status; devices", string.Join(", ", ScenarioNames.CliNames));
                    continue;
                case "STATUS":
                    logger.LogInformation("{Counters}", fleet.GetCounters());
                    continue;
                case "DEVICES":
                    foreach (var d in fleet.Devices)
                    {
                        logger.LogInformation("{DeviceId} {Kind} {State} last seq {Seq}", d.Id, d.Kind, d.IsConnected ? "connected" : "offline", d.LastSequence);
                    }

                    continue;
            }

            ScenarioRequest request;
            try
            {
                request = ScenarioRequest.ParseLine(line);
            }
            catch (FormatException ex)
            {
                logger.LogWarning("{Message} (type 'help')", ex.Message);
                continue;
            }

            // Not awaited: a fall waits out its device's cancel window (fall_cancel_ms, 20 s); a scenario typed meanwhile starts at once.
            _ = FireAsync(fleet, request, logger, cancellationToken);
        }
    }

    private static async Task ReportStatsAsync(SimulatedFleet fleet, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(StatsInterval, TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var c = fleet.GetCounters();
                logger.LogInformation("{Connected}/{Devices} connected, {Published} published, {Failed} failed, {Received} received", c.Connected, c.Devices, c.Published, c.Failed, c.Received);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
