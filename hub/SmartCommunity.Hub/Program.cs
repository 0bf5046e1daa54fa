using SmartCommunity.Hub.Alerts;
using SmartCommunity.Hub.Audit;
using SmartCommunity.Hub.Broker;
using SmartCommunity.Hub.Cases;
using SmartCommunity.Hub.Catalog;
using SmartCommunity.Hub.Contacts;
using SmartCommunity.Hub.Devices;
using SmartCommunity.Hub.EarlyWarning;
using SmartCommunity.Hub.Escalation;
using SmartCommunity.Hub.Escalation.Cascade;
using SmartCommunity.Hub.Gateways;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Ingestion;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Onboarding;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Hub.Places;
using SmartCommunity.Hub.Privacy;
using SmartCommunity.Hub.Readings;
using SmartCommunity.Hub.Reports;
using SmartCommunity.Hub.Security;
using SmartCommunity.Hub.Visits;

// Everything the hub writes (databases, keys, spools) is its owner's alone: umask 077, data directory 0700.
DataDirectory.RestrictNewFilesToOwner();

// `create-admin --email E --password P`: the first administrator from the command line.
if (args is ["create-admin", ..])
    return await HubCli.CreateAdminAsync(args[1..]);

var builder = WebApplication.CreateBuilder(args);

builder.AddHubOptions();        // Hub settings, validated at start
builder.AddHubListeners();      // Kestrel endpoints: HTTP and MQTT, HTTPS and MQTT over TLS, each MQTT listener behind the frame guard
builder.AddHubPersistence();    // EF Core on SQLite in the data directory, or PostgreSQL (people, places, devices, alerts)
builder.AddHubReadings();       // time series: embedded SQLite store or InfluxDB behind a batching writer
builder.AddHubPeople();         // Identity: roles, cookie sign-in for browsers, bearer tokens for clients
builder.AddHubContacts();       // phones and channels, residents' emergency profiles, whom to call for an alert
builder.AddHubWebSecurity();    // strict CORS, anti-forgery for cookie writes, per-person and sign-in rate limits
builder.AddHubDevices();        // device directory, rejection log, supervision
builder.AddHubEarlyWarning();   // early warning: streaming detectors, routines, ML.NET retraining (Quartz)
builder.AddHubAlerts();         // rules → alerts, SignalR push, device buttons (cancel, visit)
builder.AddHubEscalation();     // escalation timers (Quartz), on-call rosters, paging, downlinks, pre-alarms
builder.AddHubCascade();        // the call cascade to the resident's people, acknowledged by link or SMS reply
builder.AddHubVisits();         // visit check-ins and monthly coverage
builder.AddHubCases();          // cases (接诉即办) and their escalation, services for residents in special difficulty, satisfaction
builder.AddHubReports();        // KPIs and the monthly report (Quartz)
builder.AddHubOnboarding();     // bulk onboarding: households, residents, people and devices from CSV or XLSX, dry run first
builder.AddHubNotifications();  // Web Push (VAPID), signed webhooks for SMS/voice gateways, families' notifications
builder.AddHubScheduling();     // Quartz on SQLite or clustered on PostgreSQL: timers survive restarts
builder.AddHubPrivacy();        // personal data: export and erasure of one resident on request, retention (Quartz)
builder.AddHubIngestion();      // the pipeline: topic, ACL, budget, SenML, duplicates, alerts, readings
builder.AddHubBroker();         // MQTT: embedded broker (TCP, WebSockets, device auth, ACL) or an external one consumed by shared subscription
builder.AddHubGateways();       // community edge gateways: registry sync, forwarded messages in scope, health, downlink mirroring
builder.AddHubOperations();     // health checks, metrics, OpenAPI, start-up tasks and demo data

var app = builder.Build();

app.UseHubPipeline();
app.MapCatalogApi();
app.MapPeopleApi();
app.MapContactsApi();
app.MapCsrfApi();
app.MapPlacesApi();
app.MapDevicesApi();
app.MapDeviceToolsApi();
app.MapGatewaysApi();
app.MapDeviceConfigApi();
app.MapReadingsApi();
app.MapAlertsApi();
app.MapRostersApi();
app.MapCascadeApi();
app.MapVisitsApi();
app.MapCasesApi();
app.MapServicesApi();
app.MapSatisfactionApi();
app.MapReportsApi();
app.MapOnboardingApi();
app.MapNotificationsApi();
app.MapAuditApi();
app.MapPrivacyApi();
app.MapOperationsApi();
app.MapEarlyWarningApi();
app.MapAlertsHub();

await app.RunAsync();
return 0;

/// <summary>Entry point marker for WebApplicationFactory in the tests.</summary>
public partial class Program;
