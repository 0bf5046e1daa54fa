using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.EarlyWarning;

/// <summary>
/// Which instance scores. A detector must see every point of its series, in order; behind an external broker each
/// instance ingests only its share of every device's messages, so in a cluster (external broker on PostgreSQL) one
/// instance is elected: it holds a PostgreSQL session advisory lock on a connection of its own, reads the whole stream
/// through a non-shared subscription and runs the detectors and their training; the others only ingest. The lock is
/// released by the server when the holder's session ends (a stopped or killed process at once; a lost network within
/// the TCP keepalive set on the session), and the others try for it every <see cref="EarlyWarningOptions.LeaderCheckSeconds"/>.
/// A single hub (embedded broker, or SQLite) is its own scorer for good and elects nothing.
/// </summary>
public sealed class EarlyWarningLeadership : BackgroundService
{
    // Any fixed number; every instance of a deployment takes the same one. Distinct from the start-up lock.
    public const long LockKey = 0x5343_4855_4202; // "SCHUB" + 2

    private readonly string? _connectionString;
    private readonly EarlyWarningOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EarlyWarningLeadership> _logger;
    private readonly Lock _sync = new();
    private TaskCompletionSource<CancellationToken> _term = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _termSource;
    private long _since;
    private long _terms;

    public EarlyWarningLeadership(IConfiguration configuration, IOptions<HubOptions> hub, IOptions<EarlyWarningOptions> options, TimeProvider time,
        IMeterFactory meters, ILogger<EarlyWarningLeadership> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        Elected = IsElected(configuration);
        var broker = BrokerOptions.Read(configuration);
        Instance = broker.IsExternal ? broker.External.ClientIdFor(hub.Value.DataDirectory) : Environment.MachineName;
        if (Elected)
            _connectionString = configuration.GetConnectionString(HubDatabaseOptions.ConnectionStringName);
        else if (_options.Enabled)
            Begin(CancellationToken.None); // the only instance: scoring from the start, for good
        meters.Create(HubMetrics.MeterName).CreateObservableGauge("sc.early_warning.scoring", () => IsScoring ? 1 : 0,
            description: "1 on the instance that runs early warning (in a cluster: the elected one), 0 elsewhere");
    }

    /// <summary>Early warning is elected when several instances may ingest the same devices' messages: an external broker
    /// (shared subscription) with the shared PostgreSQL database.</summary>
    public static bool IsElected(IConfiguration configuration) =>
        BrokerOptions.Read(configuration).IsExternal && HubDatabaseOptions.Read(configuration).IsPostgres;

    /// <summary>True in a cluster: the scorer is elected and reads the full stream itself.</summary>
    public bool Elected { get; }

    /// <summary>This instance's name in the status (its broker client id behind an external broker).</summary>
    public string Instance { get; }

    public bool IsScoring
    {
        get
        {
            lock (_sync)
                return _term.Task.IsCompleted;
        }
    }

    /// <summary>When this instance's current term began, null while it does not score.</summary>
    public DateTimeOffset? ScoringSince
    {
        get
        {
            lock (_sync)
                return _term.Task.IsCompleted ? new DateTimeOffset(_since, TimeSpan.Zero) : null;
        }
    }

    /// <summary>How many terms this instance has begun (takeovers, for diagnostics).</summary>
    public long Terms => Interlocked.Read(ref _terms);

    /// <summary>Waits until this instance scores; the token returned is cancelled when it stops scoring.</summary>
    public Task<CancellationToken> WaitForTermAsync(CancellationToken ct)
    {
        Task<CancellationToken> term;
        lock (_sync)
            term = _term.Task;
        return term.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (!Elected || !_options.Enabled)
            return;
        var check = TimeSpan.FromSeconds(_options.LeaderCheckSeconds);
        NpgsqlConnection? connection = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    if (connection is null)
                        connection = await OpenAsync(ct);
                    if (!IsScoring)
                    {
                        if (await ScalarAsync<bool>(connection, $"SELECT pg_try_advisory_lock({LockKey})", ct))
                        {
                            Begin(ct);
                            _logger.LogInformation("Early warning: {Instance} is the elected scorer (term {Term}); it reads the full stream and trains the models", Instance, Terms);
                        }
                    }
                    else
                    {
                        // The lock lives as long as this session: a session that still answers still holds it.
                        await ScalarAsync<int>(connection, "SELECT 1", ct);
                    }
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or System.Net.Sockets.SocketException)
                {
                    // The session may be gone and with it the lock: stop scoring at once, another instance may already have it.
                    if (IsScoring)
                        _logger.LogWarning("Early warning: {Instance} lost its connection to the database ({Error}); it stops scoring until it is elected again", Instance, e.Message);
                    else
                        _logger.LogDebug(e, "Early warning: election attempt failed");
                    End();
                    if (connection is not null)
                        await connection.DisposeAsync();
                    connection = null;
                }
                // Wall-clock on purpose: the lock has no time in it, and a test's fake clock must not stall a takeover.
                await Task.Delay(check, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            End();
            if (connection is not null)
                await connection.DisposeAsync(); // the session ends, and the lock with it
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(_connectionString)
        {
            // Its own session, never returned to a pool where another command could run on it.
            Pooling = false,
            CommandTimeout = Math.Max(2, _options.LeaderCheckSeconds * 2),
            Timeout = Math.Max(2, _options.LeaderCheckSeconds * 2),
            ApplicationName = "sc-early-warning-lease",
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        // The server frees the lock of a holder that vanished from the network (no FIN) after ~idle + interval × count.
        await ScalarAsync<string>(connection, "SELECT set_config('tcp_keepalives_idle', '10', false) || set_config('tcp_keepalives_interval', '5', false) || set_config('tcp_keepalives_count', '3', false)", ct);
        return connection;
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private void Begin(CancellationToken stopping)
    {
        lock (_sync)
        {
            if (_term.Task.IsCompleted)
                return;
            _termSource = stopping.CanBeCanceled ? new CancellationTokenSource() : null;
            _since = _time.GetUtcNow().UtcTicks;
            Interlocked.Increment(ref _terms);
            _term.SetResult(_termSource?.Token ?? CancellationToken.None);
        }
    }

    private void End()
    {
        CancellationTokenSource? ended;
        lock (_sync)
        {
            if (!_term.Task.IsCompleted || _termSource is null)
                return;
            ended = _termSource;
            _termSource = null;
            _term = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        // Not disposed: the workers of the term may still link to its token.
        ended.Cancel();
    }
}
