using System.Globalization;

namespace SmartCommunity.Bench.Cluster;

/// <summary>What one cluster-bench run does (`SmartCommunity.Bench cluster …`); the shared servers come from the same variables the cluster tests read.</summary>
public sealed record ClusterOptions
{
    public int Clients { get; init; } = 50;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public int Rounds { get; init; } = 3;

    /// <summary>Members of the ceiling's shared subscription (plain MQTTnet clients in the bench process).</summary>
    public int CeilingSubscribers { get; init; } = 2;

    public string? HubDll { get; init; }
    public bool KeepData { get; init; }
    public IReadOnlyList<string> HubArgs { get; init; } = [];

    public string Postgres { get; init; } = Env("SC_PG_CONNECTION", "Host=127.0.0.1;Port=15432;Username=sc;Password=sc;Database=sc");
    public string Redis { get; init; } = Env("SC_REDIS", "127.0.0.1:16379");
    public string InfluxUrl { get; init; } = Env("SC_INFLUX_URL", "http://127.0.0.1:18087");

    public const string Usage = """
        usage: SmartCommunity.Bench cluster [--seconds T] [--clients K] [--rounds R] [--ceiling-subscribers S]
                                            [--hub-dll PATH] [--keep-data] [--hub-arg ARG]...
          Hub ingestion with 1 and 2 hub instances on one external Mosquitto, next to the broker's own
          shared-subscription ceiling, interleaved round by round. Needs PostgreSQL (SC_PG_CONNECTION), Redis
          (SC_REDIS) and InfluxDB (SC_INFLUX_URL) as started by tests/infra/*/up.sh (scripts/bench-cluster does);
          each phase starts its own Mosquitto with tests/infra/mosquitto/up.sh and a fresh database.
          --seconds T      publishing time per phase (default 10)
          --clients K      device clients publishing QoS 1 climate packs back to back (default 50)
          --rounds R       rounds of ceiling, 1 instance, 2 instances (order reversed every other round; default 3)
          --ceiling-subscribers S  MQTTnet clients in the ceiling's shared subscription (default 2)
          --hub-dll PATH   the hub's Release build (default: hub/SmartCommunity.Hub/bin/Release/net10.0 from the repo root)
          --keep-data      keep the hubs' data directories (hub.log) and the phase databases
          --hub-arg ARG    an extra hub setting for every instance (repeatable; appended last, so it wins)
        """;

    public static ClusterOptions Parse(IReadOnlyList<string> args)
    {
        var o = new ClusterOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int NextInt() => int.Parse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture) is var v && v > 0
                ? v : throw new ArgumentException($"{args[i]} must be a positive integer");
            o = args[i] switch
            {
                "--seconds" or "--duration" => o with { Duration = TimeSpan.FromSeconds(NextInt()) },
                "--clients" => o with { Clients = NextInt() },
                "--rounds" => o with { Rounds = NextInt() },
                "--ceiling-subscribers" => o with { CeilingSubscribers = NextInt() },
                "--hub-dll" => o with { HubDll = Next() },
                "--keep-data" => o with { KeepData = true },
                "--hub-arg" => o with { HubArgs = [.. o.HubArgs, Next()] },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }
        return o;
    }

    private static string Env(string name, string fallback) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : fallback;
}
