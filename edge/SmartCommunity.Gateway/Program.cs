using SmartCommunity.Gateway;
using SmartCommunity.Gateway.Alerts;

// The community edge gateway (docs/gateway.md): devices → embedded broker → durable queue → the hub.
var builder = WebApplication.CreateSlimBuilder(args);
builder.AddGateway();          // options, registry (synced and cached), durable queue, local broker, uplink forwarder

var app = builder.Build();
app.MapStatusApi();            // GET /status: queue, uplink, devices, refusals
app.MapBoardApi();             // GET /board: local alerts for the duty room (en, zh-CN), acknowledge
app.Run();
