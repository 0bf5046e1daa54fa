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
        // Made-up phone numbers: the demo sends nothing to a real provider unless one is configured.
        (string Email, string Name, string Role, int? Community, int? Grid, int[]? Residents, string? Phone, string? Language)[] people =
        [
            ("admin@demo.local", "Admin", Roles.Admin, null, null, null, null, null),
            ("officer@demo.local", "Duty officer Sun", Roles.EmergencyStaff, community.Id, null, null, "+8613800138001", null),
            ("worker1@demo.local", "Grid worker Zhou", Roles.GridWorker, null, grids[0].Id, null, "+8613800138002", "zh-CN"),
            ("worker2@demo.local", "Grid worker Wu", Roles.GridWorker, null, grids[1].Id, null, "+8613800138003", "zh-CN"),
            ("tech@demo.local", "Technician Ma", Roles.Technician, null, null, null, null, null),
            ("wang.family@demo.local", "Wang Li (daughter)", Roles.Family, null, null, [residents[0].Id], "+8613800138004", "zh-CN"),
            ("li.family@demo.local", "Li Na (son's wife)", Roles.Family, null, null, [residents[1].Id], "+8613800138005", "zh-CN"),
        ];
        foreach (var p in people)
        {
            var (user, errors) = await admin.CreateAsync(new CreateUserRequest(p.Email, password, p.Name, p.Role, p.Community, p.Grid, p.Residents, p.Language), ct);
            if (user is null)
                throw new InvalidOperationException($"demo user {p.Email}: {string.Join("; ", errors.SelectMany(e => e.Value))}");
            if (p.Phone is not null)
            {
                var row = await db.Users.SingleAsync(u => u.Id == user.Id, ct);
                row.PhoneNumber = p.Phone;
                db.NotificationPreferences.Add(new Notifications.NotificationPreference { UserId = user.Id, Sms = true, Voice = p.Role != Roles.Family });
            }
        }
        db.EmergencyProfiles.AddRange(EmergencyProfiles(residents, time.GetUtcNow()));
        await db.SaveChangesAsync(ct);

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

    /// <summary>Profiles for the demo residents: what a responder reads on the alert card before going in.</summary>
    private static IEnumerable<Contacts.EmergencyProfile> EmergencyProfiles(List<Resident> residents, DateTimeOffset now)
    {
        (string Conditions, string Medication, string? Allergies, string Mobility, string KeyHolder, string Access, string Doctor, string Hospital, (string Name, string Relation, string Phone, string Language)[] Contacts)[] data =
        [
            ("高血压，房颤 Hypertension, atrial fibrillation", "华法林 Warfarin 3 mg daily; 氨氯地平 Amlodipine 5 mg", "青霉素 Penicillin", "用助行器 Uses a walker; 夜间易跌倒 falls at night",
                "邻居 302 室 Neighbour in 302 (Mrs Zhou)", "门禁密码 Door code 4721#; 链条锁 chain lock: ring the bell twice", "Dr Huang, 社区卫生服务中心 Community health centre", "市第一人民医院 First People's Hospital",
                [("王丽 Wang Li", "daughter", "+8613800138004", "zh-CN"), ("王强 Wang Qiang", "son", "+8613800138011", "zh-CN")]),
            ("2 型糖尿病 Type 2 diabetes", "二甲双胍 Metformin 500 mg twice daily; insulin at night", null, "独立行走 Walks unaided",
                "网格员 Grid worker Zhou", "钥匙在网格站 Key at the grid station", "Dr Huang", "市第一人民医院 First People's Hospital",
                [("李娜 Li Na", "son's wife", "+8613800138005", "zh-CN")]),
            ("轻度认知障碍 Mild cognitive impairment", "多奈哌齐 Donepezil 5 mg", "磺胺 Sulfa drugs", "需扶持 Needs a hand on stairs",
                "女儿 Daughter (lives nearby)", "密码 Door code 1357#", "Dr Lin", "中医院 TCM Hospital",
                [("张伟 Zhang Wei", "son", "+8613800138012", "zh-CN"), ("Anna Zhang", "granddaughter (abroad)", "+4915112345678", "en")]),
        ];
        for (var i = 0; i < residents.Count && i < data.Length; i++)
        {
            var d = data[i];
            yield return new Contacts.EmergencyProfile
            {
                ResidentId = residents[i].Id, Conditions = d.Conditions, Medication = d.Medication, Allergies = d.Allergies, Mobility = d.Mobility,
                KeyHolder = d.KeyHolder, AccessNotes = d.Access, Doctor = d.Doctor, Hospital = d.Hospital, UpdatedAt = now, UpdatedBy = "officer@demo.local",
                Contacts = d.Contacts.Select(c => new Contacts.EmergencyContact { Name = c.Name, Relation = c.Relation, Phone = c.Phone, Language = c.Language, MayCall = c.Language != "en" }).ToList(),
            };
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
