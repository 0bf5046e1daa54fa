using SmartCommunity.Gateway;
using SmartCommunity.Gateway.Board;
using SmartCommunity.Hub.Catalog;

// The community edge gateway (docs/gateway.md): devices → embedded broker → durable queue → the hub.
var builder = WebApplication.CreateSlimBuilder(args);
builder.AddGateway();          // options, registry (synced and cached), durable queue, local broker, uplink forwarder
builder.AddBoard();            // the duty room's board: sign-in, live feed (SignalR)

var app = builder.Build();
app.UseDashboard();            // the dashboard's files (dashboard/dist): the local board's page
app.UseWebSockets();
app.UseAuthentication();
app.UseAuthorization();
app.MapStatusApi();            // GET /status: queue, uplink, devices, refusals
app.MapBoardAuth();            // /api/auth/…: sign in with a name and the duty room's password
app.MapCatalogApi();           // GET /api/catalog: the hub's own catalogue document (labels in en and zh-CN)
app.MapBoardApi();             // the local alerts in the hub's shapes, acknowledge, /hubs/alerts live
app.Run();
