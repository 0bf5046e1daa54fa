using System.CommandLine;
using SmartCommunity.Domain.Catalog;
using SmartCommunity.Domain.Devices;

namespace SmartCommunity.Provisioner;

internal static class Program
{
    // Not top-level statements: a global `Program` type would clash with the hub's in test projects.
    public static Task<int> Main(string[] args) => ProvisionCommand.Build().Parse(args).InvokeAsync();
}

internal static class ProvisionCommand
{
    public const int Ok = 0;
    public const int Refused = 1;
    public const int Usage = 2;
    public const int NoReply = 3;

    private static readonly Option<string> PortOption = new("--port", "-p") { Description = "Serial device of the node (e.g. /dev/ttyUSB0; set it to 115200 raw with stty first), or a pty.", Required = true };
    private static readonly Option<double> TimeoutOption = new("--timeout") { Description = "Seconds to wait for each reply.", DefaultValueFactory = _ => 5 };

    public static RootCommand Build()
    {
        var root = new RootCommand("Provision a SmartCommunity sensor node over its serial line (protocol: firmware/README.md).");
        root.Options.Add(PortOption);
        root.Options.Add(TimeoutOption);
        root.Subcommands.Add(Simple("hello", "Check the line: the node answers with its protocol version.", _ => "HELLO"));
        root.Subcommands.Add(Simple("status", "Provisioned?, device id, profile, firmware, time sync, outbox, sequence.", _ => "STATUS"));

        var key = new Argument<string>("key");
        var get = new Command("get", "Read one setting (secrets answer <set>/<unset>).") { key };
        get.SetAction((p, ct) => RunAsync(p, c => Single(c, "GET " + p.GetValue(key), ct), ct));
        root.Subcommands.Add(get);

        var yes = new Option<bool>("--yes") { Description = "Really erase the node's configuration, outbox and sequence." };
        var reset = new Command("factory-reset", "Erase the node (it must then be registered at the hub again).") { yes };
        reset.SetAction((p, ct) => p.GetValue(yes)
            ? RunAsync(p, c => Single(c, "FACTORY-RESET CONFIRM", ct), ct)
            : Task.FromResult(Fail("factory-reset erases the node: add --yes")));
        root.Subcommands.Add(reset);

        root.Subcommands.Add(ApplyCommand());
        return root;
    }

    private static Command ApplyCommand()
    {
        var wifiSsid = new Option<string?>("--wifi-ssid");
        var wifiPassword = new Option<string?>("--wifi-password") { Description = "Empty for an open network." };
        var broker = new Option<string?>("--broker-url") { Description = "mqtts://host[:port]" };
        var deviceId = new Option<string?>("--device-id");
        var secret = new Option<string?>("--device-secret") { Description = "Prefer --registration: the secret then never appears in the shell history." };
        var ca = new Option<string?>("--ca-sha256") { Description = "SHA-256 fingerprint of the hub's CA (64 hex digits, colons allowed)." };
        var profile = new Option<string?>("--profile") { Description = string.Join(' ', WireName.All<DeviceKind>()) };
        var registration = new Option<string?>("--registration", "-r")
        {
            Description = "The hub's provisioning document (the QR code's text, {\"sc\":\"provision\",\"v\":2,…}) or register response, as a file, or - for standard input (e.g. a QR scanner).",
        };
        var set = new Option<string[]>("--set") { Description = "A numeric setting as name=value (repeatable), e.g. sos_cancel_ms=5000." };
        var apply = new Command("apply", "Stage the given settings and COMMIT them as one; any refused line aborts the whole change.")
        {
            wifiSsid, wifiPassword, broker, deviceId, secret, ca, profile, registration, set,
        };
        apply.SetAction(async (p, ct) =>
        {
            var settings = new List<KeyValuePair<string, string>>();
            var notes = new List<string>();
            try
            {
                if (p.GetValue(registration) is { } path)
                {
                    var json = path == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(path, ct);
                    var read = RegistrationFile.Read(json);
                    settings.AddRange(read.Settings);
                    notes.AddRange(read.Notes);
                }

                void Add(string name, string? value)
                {
                    if (value is not null)
                    {
                        settings.RemoveAll(s => s.Key == name);
                        settings.Add(new(name, value));
                    }
                }

                Add("wifi_ssid", p.GetValue(wifiSsid));
                Add("wifi_password", p.GetValue(wifiPassword));
                Add("broker_url", p.GetValue(broker));
                Add("device_id", p.GetValue(deviceId));
                Add("device_secret", p.GetValue(secret));
                Add("ca_sha256", p.GetValue(ca));
                Add("profile", p.GetValue(profile));
                foreach (var pair in p.GetValue(set) ?? [])
                {
                    var parts = pair.Split('=', 2);
                    if (parts.Length != 2 || parts[0].Length == 0)
                    {
                        return Fail($"--set expects name=value, got '{pair}'");
                    }

                    Add(parts[0], parts[1]);
                }
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                return Fail(ex.Message);
            }

            if (settings.Count == 0)
            {
                return Fail("nothing to apply");
            }

            // Only what the options did not supply: a note about a broker the technician passed by hand is noise.
            foreach (var note in notes.Where(n => !(n.Contains("--broker-url", StringComparison.Ordinal) && p.GetValue(broker) is not null
                                                    || n.Contains("--ca-sha256", StringComparison.Ordinal) && p.GetValue(ca) is not null)))
            {
                Console.Error.WriteLine("note: " + note);
            }

            return await RunAsync(p, async c =>
            {
                var (committed, command, reply) = await c.ApplyAsync(settings, ct);
                if (!committed)
                {
                    Console.Error.WriteLine($"{command} → {reply} (aborted: the node keeps its previous configuration)");
                    return Refused;
                }

                Console.WriteLine(reply);
                Console.WriteLine(await c.SendAsync("STATUS", ct));
                return Ok;
            }, ct);
        });
        return apply;
    }

    private static Command Simple(string name, string description, Func<ParseResult, string> line)
    {
        var command = new Command(name, description);
        command.SetAction((p, ct) => RunAsync(p, c => Single(c, line(p), ct), ct));
        return command;
    }

    private static async Task<int> Single(ProvisioningClient client, string line, CancellationToken ct)
    {
        var reply = await client.SendAsync(line, ct);
        (reply.IsOk ? Console.Out : Console.Error).WriteLine(reply);
        return reply.IsOk ? Ok : Refused;
    }

    private static async Task<int> RunAsync(ParseResult parse, Func<ProvisioningClient, Task<int>> session, CancellationToken ct)
    {
        FileStream serial;
        try
        {
            serial = new FileStream(parse.GetValue(PortOption)!, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0, useAsync: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Fail($"cannot open {parse.GetValue(PortOption)}: {ex.Message}");
        }

        await using var client = new ProvisioningClient(serial, TimeSpan.FromSeconds(parse.GetValue(TimeoutOption)));
        try
        {
            return await session(client);
        }
        catch (Exception ex) when (ex is TimeoutException or EndOfStreamException or IOException)
        {
            Console.Error.WriteLine($"no reply from the node: {ex.Message}");
            return NoReply;
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return Usage;
    }
}
