using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using SmartCommunity.Domain.Alerts;
using SmartCommunity.Domain.Devices;
using SmartCommunity.Domain.Escalation;
using SmartCommunity.Domain.Gateways;
using SmartCommunity.Domain.Places;
using SmartCommunity.Domain.Visits;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.Escalation.Cascade;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.People;

namespace SmartCommunity.Hub.Persistence;

/// <summary>
/// The hub's relational model. This type carries the SQLite migrations; <see cref="PostgresHubDbContext"/> is the same
/// model with its own PostgreSQL migrations (EF keeps one migration set per context type).
/// </summary>
public class HubDbContext : IdentityDbContext<HubUser>, IDataProtectionKeyContext
{
    public HubDbContext(DbContextOptions<HubDbContext> options) : base(options)
    {
    }

    protected HubDbContext(DbContextOptions options) : base(options)
    {
    }

    /// <summary>Data Protection keys, shared by every instance when the hub runs on PostgreSQL (unused on SQLite: keys stay in the data directory).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Community> Communities => Set<Community>();
    public DbSet<Grid> Grids => Set<Grid>();
    public DbSet<Household> Households => Set<Household>();
    public DbSet<Resident> Residents => Set<Resident>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<Gateway> Gateways => Set<Gateway>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<FamilyLink> FamilyLinks => Set<FamilyLink>();
    public DbSet<RejectionCount> RejectionCounts => Set<RejectionCount>();
    public DbSet<RejectionEntry> Rejections => Set<RejectionEntry>();
    public DbSet<AlertEvent> AlertEvents => Set<AlertEvent>();
    public DbSet<RosterShift> RosterShifts => Set<RosterShift>();
    public DbSet<Visit> Visits => Set<Visit>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<PushSubscriptionRecord> PushSubscriptions => Set<PushSubscriptionRecord>();
    public DbSet<NotificationPreference> NotificationPreferences => Set<NotificationPreference>();
    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();
    public DbSet<AlertAckToken> AlertAckTokens => Set<AlertAckToken>();
    public DbSet<Contacts.EmergencyProfile> EmergencyProfiles => Set<Contacts.EmergencyProfile>();
    public DbSet<Domain.Cases.Case> Cases => Set<Domain.Cases.Case>();
    public DbSet<Cases.CasePhoto> CasePhotos => Set<Cases.CasePhoto>();
    public DbSet<Domain.Services.ServiceRecord> ServiceRecords => Set<Domain.Services.ServiceRecord>();
    public DbSet<Devices.DeviceSettingOverride> DeviceSettingOverrides => Set<Devices.DeviceSettingOverride>();
    public DbSet<Devices.DeviceConfigPublication> DeviceConfigPublications => Set<Devices.DeviceConfigPublication>();
    public DbSet<EarlyWarning.EarlyWarningBlob> EarlyWarningBlobs => Set<EarlyWarning.EarlyWarningBlob>();

    public const string OneOpenAlertIndex = "UX_Alerts_OneOpenPerDeviceKind";
    private const string OneOpenAlertFilter = "\"Status\" <> 'Resolved'";
    public const string OneActiveGatewayIndex = "UX_Gateways_OneActivePerCommunity";
    private const string OneActiveGatewayFilter = "\"Revoked\" = FALSE";

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset; store UTC ticks so range queries and sorting stay in SQL.
        // PostgreSQL keeps the same bigint ticks: one model, the same queries and the same instants on both providers.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Community>(e => e.Property(x => x.Name).HasMaxLength(200));
        builder.Entity<Grid>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.HasOne<Community>().WithMany().HasForeignKey(x => x.CommunityId);
        });
        builder.Entity<Household>(e =>
        {
            e.Property(x => x.Address).HasMaxLength(300);
            e.HasOne<Grid>().WithMany().HasForeignKey(x => x.GridId);
        });
        builder.Entity<Resident>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Notes).HasMaxLength(2000);
            e.Property(x => x.ExternalId).HasMaxLength(64);
            // NULLs are distinct on both providers: residents made by hand need no external id.
            e.HasIndex(x => x.ExternalId).IsUnique();
            e.HasOne<Household>().WithMany().HasForeignKey(x => x.HouseholdId);
        });
        builder.Entity<Device>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(32);
            e.Property(x => x.Label).HasMaxLength(200);
            e.Property(x => x.SecretHash).HasMaxLength(200);
            e.Property(x => x.PreviousSecretHash).HasMaxLength(200);
            e.Property(x => x.Firmware).HasMaxLength(32);
            e.HasOne<Household>().WithMany().HasForeignKey(x => x.HouseholdId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Resident>().WithMany().HasForeignKey(x => x.ResidentId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Grid>().WithMany().HasForeignKey(x => x.GridId).OnDelete(DeleteBehavior.SetNull);
        });
        builder.Entity<Gateway>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(GatewayIdentifier.MaxLength);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.SecretHash).HasMaxLength(200);
            e.HasOne<Community>().WithMany().HasForeignKey(x => x.CommunityId);
            // At most one active gateway per community, also between two admins registering at once.
            e.HasIndex(x => x.CommunityId).IsUnique().HasFilter(OneActiveGatewayFilter).HasDatabaseName(OneActiveGatewayIndex);
        });
        builder.Entity<Alert>(e =>
        {
            e.Property(x => x.DeviceId).HasMaxLength(32);
            e.Property(x => x.Message).HasMaxLength(500);
            e.Property(x => x.MessageKey).HasMaxLength(64);
            e.Property(x => x.MessageArgs).HasMaxLength(2000);
            e.Property(x => x.SeenSeqs).HasMaxLength(200);
            e.Property(x => x.ResolutionNote).HasMaxLength(2000);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasIndex(x => new { x.Status, x.RaisedAt });
            e.HasIndex(x => new { x.DeviceId, x.Kind, x.Status });
            // One open alert per (device, kind), enforced by the database: instances that handle messages of the same
            // device at once cannot both insert; the loser folds into the winner's alert (AlertService.RaiseAsync).
            // The filter is the same SQL in SQLite and PostgreSQL (both quote identifiers with double quotes).
            e.HasIndex(x => new { x.DeviceId, x.Kind }).IsUnique().HasFilter(OneOpenAlertFilter).HasDatabaseName(OneOpenAlertIndex);
            e.HasIndex(x => x.ResidentId);
            e.HasIndex(x => x.GridId);
            e.Property(x => x.FeedbackComment).HasMaxLength(2000);
            e.Property(x => x.FeedbackBy).HasMaxLength(256);
            e.Property(x => x.WithResidentBy).HasMaxLength(256);
            e.Property(x => x.HandedOffTo).HasMaxLength(8);
            e.Property(x => x.HandedOffBy).HasMaxLength(256);
            e.HasMany(x => x.Timeline).WithOne().HasForeignKey(x => x.AlertId).OnDelete(DeleteBehavior.Cascade);
            e.Navigation(x => x.Timeline).UsePropertyAccessMode(PropertyAccessMode.Field);
        });
        ConfigureWorkflow(builder);
        ConfigureContacts(builder);
        ConfigureCases(builder);
        ConfigureDeviceConfig(builder);
        builder.Entity<HubUser>(e =>
        {
            e.Property(x => x.DisplayName).HasMaxLength(200);
            e.Property(x => x.Language).HasMaxLength(16);
        });
        builder.Entity<FamilyLink>(e =>
        {
            e.HasKey(x => new { x.UserId, x.ResidentId });
            e.HasOne<HubUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Resident>().WithMany().HasForeignKey(x => x.ResidentId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<RejectionCount>(e =>
        {
            e.HasKey(x => new { x.DeviceId, x.Reason });
            e.Property(x => x.DeviceId).HasMaxLength(64);
            e.Property(x => x.Reason).HasMaxLength(32);
            e.Property(x => x.LastDetail).HasMaxLength(300);
        });
        builder.Entity<RejectionEntry>(e =>
        {
            e.Property(x => x.DeviceId).HasMaxLength(64);
            e.Property(x => x.Reason).HasMaxLength(32);
            e.Property(x => x.Detail).HasMaxLength(300);
            e.Property(x => x.Topic).HasMaxLength(200);
            e.HasIndex(x => new { x.DeviceId, x.At });
            e.HasIndex(x => x.At);
        });
    }

    private static void ConfigureWorkflow(ModelBuilder builder)
    {
        builder.Entity<AlertEvent>(e =>
        {
            e.Property(x => x.Actor).HasMaxLength(256);
            e.Property(x => x.Detail).HasMaxLength(2000);
            e.HasIndex(x => new { x.AlertId, x.At });
        });
        builder.Entity<RosterShift>(e =>
        {
            e.Property(x => x.UserId).HasMaxLength(64);
            // Flags combine ("Monday, Tuesday, …"): an integer mask, not the string convention.
            e.Property(x => x.Days).HasConversion<int>();
            e.HasOne<Community>().WithMany().HasForeignKey(x => x.CommunityId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Grid>().WithMany().HasForeignKey(x => x.GridId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<HubUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.CommunityId, x.Role });
        });
        builder.Entity<Visit>(e =>
        {
            e.Property(x => x.By).HasMaxLength(256);
            e.Property(x => x.Source).HasMaxLength(64);
            e.Property(x => x.Note).HasMaxLength(2000);
            e.HasOne<Resident>().WithMany().HasForeignKey(x => x.ResidentId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.CommunityId, x.At });
            e.HasIndex(x => new { x.ResidentId, x.At });
        });
        builder.Entity<AuditEntry>(e =>
        {
            e.Property(x => x.UserId).HasMaxLength(64);
            e.Property(x => x.UserName).HasMaxLength(256);
            e.Property(x => x.Action).HasMaxLength(300);
            e.Property(x => x.Detail).HasMaxLength(2000);
            e.HasIndex(x => x.At);
        });
        builder.Entity<PushSubscriptionRecord>(e =>
        {
            e.Property(x => x.UserId).HasMaxLength(64);
            e.Property(x => x.Endpoint).HasMaxLength(1000);
            e.Property(x => x.P256dh).HasMaxLength(200);
            e.Property(x => x.Auth).HasMaxLength(100);
            e.HasIndex(x => x.Endpoint).IsUnique();
            e.HasOne<HubUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<NotificationPreference>(e =>
        {
            e.HasKey(x => x.UserId);
            e.Property(x => x.UserId).HasMaxLength(64);
            e.HasOne<HubUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<AlertAckToken>(e =>
        {
            e.HasKey(x => x.Token);
            e.Property(x => x.Token).HasMaxLength(32);
            e.Property(x => x.ContactKey).HasMaxLength(100);
            e.Property(x => x.ContactName).HasMaxLength(200);
            e.Property(x => x.UserId).HasMaxLength(450);
            e.Property(x => x.Phone).HasMaxLength(20);
            e.Property(x => x.Code).HasMaxLength(8);
            e.Property(x => x.Language).HasMaxLength(16);
            e.HasIndex(x => new { x.Phone, x.Code });
            e.HasIndex(x => x.AlertId);
        });
        builder.Entity<OutboxMessage>(e =>
        {
            e.ToTable("OutboxMessages");
            e.Property(x => x.Channel).HasMaxLength(16);
            e.Property(x => x.Recipient).HasMaxLength(200);
            e.Property(x => x.Phone).HasMaxLength(32);
            e.Property(x => x.TemplateKey).HasMaxLength(64);
            e.Property(x => x.Language).HasMaxLength(16);
            e.Property(x => x.IdempotencyKey).HasMaxLength(200);
            e.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.LastError).HasMaxLength(1000);
            e.Property(x => x.LeaseOwner).HasMaxLength(64);
            e.HasIndex(x => x.IdempotencyKey).IsUnique();
            // The dispatcher's question: what is due (pending by next attempt, sending by lease).
            e.HasIndex(x => new { x.State, x.NextAttemptAt });
            e.HasIndex(x => x.AlertId);
        });
    }

    private static void ConfigureCases(ModelBuilder builder)
    {
        builder.Entity<Domain.Cases.Case>(e =>
        {
            e.ToTable("Cases");
            e.Property(x => x.Description).HasMaxLength(2000);
            e.Property(x => x.OpenedBy).HasMaxLength(256);
            e.Property(x => x.AssignedTo).HasMaxLength(256);
            e.Property(x => x.AssignedBy).HasMaxLength(256);
            e.Property(x => x.ResolvedBy).HasMaxLength(256);
            e.Property(x => x.ResolutionNote).HasMaxLength(2000);
            e.Property(x => x.RatingComment).HasMaxLength(2000);
            e.Property(x => x.RatedBy).HasMaxLength(256);
            e.Property(x => x.PhotoContentType).HasMaxLength(32);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasOne<Community>().WithMany().HasForeignKey(x => x.CommunityId);
            e.HasOne<Grid>().WithMany().HasForeignKey(x => x.GridId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Household>().WithMany().HasForeignKey(x => x.HouseholdId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Resident>().WithMany().HasForeignKey(x => x.ResidentId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(x => new { x.CommunityId, x.OpenedAt });
            e.HasIndex(x => new { x.Status, x.OpenedAt });
            e.HasIndex(x => x.GridId);
            e.HasIndex(x => x.ResidentId);
        });
        // Early-warning state and models shared by a cluster's instances, so the elected scorer's successor resumes.
        builder.Entity<EarlyWarning.EarlyWarningBlob>(e =>
        {
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(300);
        });
        builder.Entity<Cases.CasePhoto>(e =>
        {
            e.HasKey(x => x.CaseId);
            e.Property(x => x.ContentType).HasMaxLength(32);
            e.Property(x => x.UploadedBy).HasMaxLength(256);
            e.HasOne<Domain.Cases.Case>().WithOne().HasForeignKey<Cases.CasePhoto>(x => x.CaseId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<Domain.Services.ServiceRecord>(e =>
        {
            e.ToTable("ServiceRecords");
            e.Property(x => x.By).HasMaxLength(256);
            e.Property(x => x.Provider).HasMaxLength(200);
            e.Property(x => x.Note).HasMaxLength(2000);
            e.Property(x => x.RatingComment).HasMaxLength(2000);
            e.Property(x => x.RatedBy).HasMaxLength(256);
            e.Ignore(x => x.Deliverer);
            e.HasOne<Resident>().WithMany().HasForeignKey(x => x.ResidentId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(x => new { x.CommunityId, x.At });
            e.HasIndex(x => new { x.ResidentId, x.At });
        });
    }

    private static void ConfigureContacts(ModelBuilder builder) =>
        builder.Entity<Contacts.EmergencyProfile>(e =>
        {
            e.HasKey(x => x.ResidentId);
            e.HasOne<Resident>().WithMany().HasForeignKey(x => x.ResidentId).OnDelete(DeleteBehavior.Cascade);
            foreach (var text in new[] { "Conditions", "Medication", "Allergies", "Mobility", "AccessNotes" })
                e.Property<string?>(text).HasMaxLength(1000);
            foreach (var text in new[] { "KeyHolder", "Doctor", "Hospital" })
                e.Property<string?>(text).HasMaxLength(200);
            e.Property(x => x.UpdatedBy).HasMaxLength(256);
            // Read and written whole, in call order: one JSON column on both providers.
            e.OwnsMany(x => x.Contacts, c => c.ToJson());
        });

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));

    private static void ConfigureDeviceConfig(ModelBuilder builder)
    {
        builder.Entity<Devices.DeviceSettingOverride>(e =>
        {
            e.Property(x => x.Scope).HasMaxLength(8);
            e.Property(x => x.Target).HasMaxLength(32);
            e.Property(x => x.Name).HasMaxLength(32);
            e.Property(x => x.UpdatedBy).HasMaxLength(256);
            e.HasIndex(x => new { x.Scope, x.Target, x.Name }).IsUnique();
        });
        builder.Entity<Devices.DeviceConfigPublication>(e =>
        {
            e.HasKey(x => x.DeviceId);
            e.Property(x => x.DeviceId).HasMaxLength(32);
            e.Property(x => x.Payload).HasMaxLength(2000);
            e.HasOne<Device>().WithMany().HasForeignKey(x => x.DeviceId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
