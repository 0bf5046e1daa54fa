using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Demo;

/// <summary>
/// A demo community for trying the hub on one machine: two grids, six households with elderly
/// residents and their sensors (a CO detector where a gas boiler heats the flat), staff, a technician and two families. Passwords and device secrets
/// are generated on first start and written only to the data directory (demo-signins.txt,
/// demo-fleet.json for the simulator), never to the repository.
/// </summary>
public sealed class DemoSeeder(IServiceProvider services, IOptions<HubOptions> options, TimeProvider time, ILogger<DemoSeeder> logger)
{
    public const string FleetFileName = "demo-fleet.json";
    public const string SignInsFile = "demo-signins.txt";

    // GasBoiler: the flat is heated by a gas boiler (a wall-hung one in the kitchen), so it has a CO detector beside it.
    private static readonly (string Name, int BirthYear, bool Special, string Address, int Grid, bool GasBoiler)[] ResidentsData =
    [
        ("王淑芬 Wang Shufen", 1941, true, "Bldg 1, Unit 2, Flat 301", 0, true),
        ("李国强 Li Guoqiang", 1938, false, "Bldg 2, Unit 1, Flat 502", 0, false),
        ("张秀英 Zhang Xiuying", 1945, true, "Bldg 3, Unit 1, Flat 101", 0, true),
        ("陈建国 Chen Jianguo", 1950, false, "Bldg 4, Unit 3, Flat 602", 1, true),
        ("刘桂兰 Liu Guilan", 1943, true, "Bldg 5, Unit 2, Flat 201", 1, false),
        ("赵德明 Zhao Deming", 1947, false, "Bldg 6, Unit 1, Flat 402", 1, false),
    ];

    public async Task SeedAsync(CancellationToken ct)
    {
        var o = options.Value;
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        if (await db.Communities.AnyAsync(ct))
        {
            PrintSignIns(o);
            return;
        }

        var community = Community.Create("阳光花园社区 Sunshine Garden Community");
        db.Communities.Add(community);
        await db.SaveChangesAsync(ct);
        Grid[] grids =
        [
            Grid.Create(community.Id, "Grid 1 · Buildings 1–3"),
            Grid.Create(community.Id, "Grid 2 · Buildings 4–6"),
        ];
        db.Grids.AddRange(grids);
        await db.SaveChangesAsync(ct);

        var fleet = new List<FleetDevice>();
        var residents = new List<Resident>();
        var n = 0;
        foreach (var r in ResidentsData)
        {
            n++;
            var household = Household.Create(grids[r.Grid].Id, r.Address);
            db.Households.Add(household);
            await db.SaveChangesAsync(ct);
            var resident = Resident.Register(household.Id, r.Name, r.BirthYear, r.Special);
            db.Residents.Add(resident);
            await db.SaveChangesAsync(ct);
            residents.Add(resident);

            // Every home gets a pendant (or a fall-detecting wearable), climate, motion, door and smoke sensors.
            AddDevice(db, fleet, $"{(n % 2 == 1 ? "wear" : "sos")}-{n:0000}", n % 2 == 1 ? DeviceKind.Wearable : DeviceKind.Sos, DeviceLocation.Home, household.Id, resident.Id, null, resident.Id);
            AddDevice(db, fleet, $"clim-{n:0000}", DeviceKind.Climate, DeviceLocation.Bedroom, household.Id, null, null, resident.Id);
            AddDevice(db, fleet, $"pir-{n:0000}", DeviceKind.Pir, DeviceLocation.Home, household.Id, null, null, resident.Id);
            AddDevice(db, fleet, $"door-{n:0000}", DeviceKind.Door, DeviceLocation.Home, household.Id, null, null, resident.Id);
            AddDevice(db, fleet, $"smk-{n:0000}", DeviceKind.Smoke, DeviceLocation.Kitchen, household.Id, null, null, resident.Id);
            if (n % 3 == 0)
                AddDevice(db, fleet, $"leak-{n:0000}", DeviceKind.Leak, DeviceLocation.Bathroom, household.Id, null, null, resident.Id);
            if (r.GasBoiler)
                AddDevice(db, fleet, $"co-{n:0000}", DeviceKind.Co, DeviceLocation.Kitchen, household.Id, null, null, resident.Id);
        }
        AddDevice(db, fleet, "clim-centre", DeviceKind.Climate, DeviceLocation.PublicSpace, null, null, grids[0].Id, null);
        await db.SaveChangesAsync(ct);

        // Identity wants a digit; drawn from the full set alone, one password in 18 had none and seeding failed.
        var password = "Demo-" + RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyz23456789", 9) + RandomNumberGenerator.GetString("23456789", 1);
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        (string Email, string Name, string Role, int? Community, int? Grid, int[]? Residents)[] people =
        [
            ("admin@demo.local", "Admin", Roles.Admin, null, null, null),
            ("officer@demo.local", "Duty officer Sun", Roles.EmergencyStaff, community.Id, null, null),
            ("worker1@demo.local", "Grid worker Zhou", Roles.GridWorker, null, grids[0].Id, null),
            ("worker2@demo.local", "Grid worker Wu", Roles.GridWorker, null, grids[1].Id, null),
            ("tech@demo.local", "Technician Ma", Roles.Technician, null, null, null),
            ("wang.family@demo.local", "Wang Li (daughter)", Roles.Family, null, null, [residents[0].Id]),
            ("li.family@demo.local", "Li Na (son's wife)", Roles.Family, null, null, [residents[1].Id]),
        ];
        foreach (var p in people)
        {
            var (user, errors) = await admin.CreateAsync(new CreateUserRequest(p.Email, password, p.Name, p.Role, p.Community, p.Grid, p.Residents, null), ct);
            if (user is null)
                throw new InvalidOperationException($"demo user {p.Email}: {string.Join("; ", errors.SelectMany(e => e.Value))}");
        }

        WritePrivate(o.DataPath(FleetFileName), JsonSerializer.Serialize(new FleetFile(new FleetMqtt("127.0.0.1", o.MqttPort), fleet), JsonOptions));
        WritePrivate(o.DataPath(SignInsFile), string.Join('\n', people.Select(p => $"{p.Email}\t{password}\t{p.Role}")) + "\n");
        logger.LogInformation("Seeded the demo community: {Residents} residents, {Devices} devices, {People} people", residents.Count, fleet.Count, people.Length);
        PrintSignIns(o);

        void AddDevice(HubDbContext ctx, List<FleetDevice> list, string id, DeviceKind kind, DeviceLocation location, int? householdId, int? residentId, int? gridId, int? fleetResident)
        {
            var secret = DeviceSecret.Generate();
            ctx.Devices.Add(Device.Register(id, kind, DeviceSecret.Hash(secret), time.GetUtcNow(), location,
                label: SmartCommunity.Domain.Catalog.CatalogTexts.En[kind.Spec().LabelKey], householdId: householdId, residentId: residentId, gridId: gridId));
            list.Add(new FleetDevice(id, kind.ToWire(), secret, fleetResident));
        }
    }

    private void PrintSignIns(HubOptions o)
    {
        var path = o.DataPath(SignInsFile);
        if (!File.Exists(path))
            return;
        var host = o.BindAddress == "0.0.0.0" ? "127.0.0.1" : o.BindAddress;
        // Where to find the sign-ins, not the password itself: secrets stay out of logs. run.sh prints them for the
        // person who started the demo; the file is readable only by them.
        logger.LogInformation("SmartCommunity demo at http://{Host}:{Port}/: sign-ins in {SignIns}, simulated devices in {Fleet}",
            host, o.HttpPort, path, o.DataPath(FleetFileName));
    }

    private static void WritePrivate(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public sealed record FleetFile(FleetMqtt Mqtt, IReadOnlyList<FleetDevice> Devices);
    public sealed record FleetMqtt(string Host, int Port);
    public sealed record FleetDevice(string Id, string Kind, string Secret, int? ResidentId);
}
