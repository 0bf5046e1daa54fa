using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace SmartCommunity.Hub.Persistence;

/// <summary>Hub:Database — where the relational data lives. SQLite in the data directory by default; PostgreSQL
/// (ConnectionStrings:Hub) when several hub instances share one database.</summary>
public sealed class HubDatabaseOptions
{
    public const string Section = "Hub:Database";
    public const string ConnectionStringName = "Hub";

    [Required]
    [RegularExpression("(?i)^(sqlite|postgres)$", ErrorMessage = "Hub:Database:Provider must be 'sqlite' or 'postgres'")]
    public string Provider { get; set; } = "sqlite";

    public bool IsPostgres => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>How often a transient PostgreSQL failure (restart, fail-over, dropped connection) is retried before it surfaces.</summary>
    [Range(0, 100)]
    public int MaxRetryCount { get; set; } = 6;

    /// <summary>The longest wait between those retries; with the default six retries a restart of up to ~30 s is ridden out.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    public static HubDatabaseOptions Read(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<HubDatabaseOptions>() ?? new HubDatabaseOptions();
}

/// <summary>Provider-specific pieces the rest of the hub should not need to know about.</summary>
public static class HubDatabase
{
    // Any fixed number; every hub instance takes the same one around its migrations.
    private const long StartupLockKey = 0x5343_4855_4201; // "SCHUB" + 1

    /// <summary>Registers the context factory (and a scoped context) for the configured provider.</summary>
    public static void AddHubDbContext(this IServiceCollection services, HubDatabaseOptions database, string? connectionString, string sqlitePath)
    {
        if (database.IsPostgres)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
                throw new InvalidOperationException("Hub:Database:Provider is 'postgres' but ConnectionStrings:Hub is not set.");
            services.AddDbContextFactory<PostgresHubDbContext>(db => db.UseNpgsql(connectionString, npgsql =>
                    // The hub opens no transactions of its own (each SaveChanges is one), so EF may retry whole operations.
                    npgsql.EnableRetryOnFailure(database.MaxRetryCount, database.MaxRetryDelay, null))
                .ConfigureWarnings(ExpectedConflicts));
            services.AddSingleton<IDbContextFactory<HubDbContext>>(sp => new Upcast(sp.GetRequiredService<IDbContextFactory<PostgresHubDbContext>>()));
        }
        else
        {
            services.AddDbContextFactory<HubDbContext>(db => db.UseSqlite($"Data Source={sqlitePath}").AddInterceptors(new SqliteBusyTimeout())
                .ConfigureWarnings(ExpectedConflicts));
        }
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContext());
    }

    /// <summary>
    /// Brings the schema up to date, then runs <paramref name="seed"/> (roles, first admin, demo data). On PostgreSQL
    /// several instances may start at once: the database is created if missing (a lost race is fine) and both steps run
    /// under a session advisory lock, so one instance migrates and seeds while the others wait and then find it done.
    /// (Npgsql's EF provider also locks migrations itself since EF 9; the seeding needs the lock regardless.)
    /// </summary>
    public static async Task MigrateAndSeedAsync(HubDbContext db, Func<Task> seed, CancellationToken ct)
    {
        if (!db.Database.IsNpgsql())
        {
            await db.Database.MigrateAsync(ct);
            // WAL lets the API read while ingestion writes; it is a property of the file and persists.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await seed();
            return;
        }

        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(ct))
        {
            try
            {
                await creator.CreateAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
            {
                // Another instance created it first.
            }
        }
        // A connection of its own holds the lock: EF opens and closes connections as it goes.
        await using var lockConnection = new NpgsqlConnection(db.Database.GetConnectionString());
        await lockConnection.OpenAsync(ct);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({StartupLockKey})", lockConnection))
            await take.ExecuteNonQueryAsync(ct);
        try
        {
            await db.Database.MigrateAsync(ct);
            await seed();
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({StartupLockKey})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    // A failed command or save is logged by EF as an error before the caller sees the exception. The callers that
    // expect conflicts (the open-alert guard, concurrency tokens) handle them; every other failure still surfaces as
    // an exception, logged as an error where it is handled (request pipeline, hosted service).
    private static void ExpectedConflicts(WarningsConfigurationBuilder warnings) => warnings.Log(
        (RelationalEventId.CommandError, LogLevel.Warning),
        (CoreEventId.SaveChangesFailed, LogLevel.Warning));

    /// <summary>Whether a save failed on the named unique index (SQLite: constraint error; PostgreSQL: 23505 on that index).</summary>
    public static bool IsUniqueViolation(DbUpdateException e, string indexName) => e.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation && pg.ConstraintName == indexName,
        // SQLite names the columns, not the index, in its message; SQLITE_CONSTRAINT_UNIQUE is specific enough here.
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode == 2067,
        _ => false,
    };

    private sealed class Upcast(IDbContextFactory<PostgresHubDbContext> inner) : IDbContextFactory<HubDbContext>
    {
        public HubDbContext CreateDbContext() => inner.CreateDbContext();
        public async Task<HubDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) => await inner.CreateDbContextAsync(cancellationToken);
    }
}
