using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartCommunity.Hub.Notifications;
using SmartCommunity.Hub.Persistence;
using SmartCommunity.Testing;

namespace SmartCommunity.Hub.Tests;

/// <summary>Two hub instances on one PostgreSQL database share one outbox: both dispatchers race for the same rows (each
/// enqueues half and polls the other half), and each delivery reaches the receiver exactly once.</summary>
public sealed class OutboxClusterTests
{
    private const int Deliveries = 200;

    [Fact]
    public async Task TwoInstancesOnePostgres_RacingForTheSameRows_EachDeliveryIsSentOnce()
    {
        await ClusterServers.RequirePostgresAsync();
        var database = ClusterServers.PostgresDatabase(ClusterServers.NewDatabaseName());
        var received = new ConcurrentQueue<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var receiver = builder.Build();
        receiver.MapPost("/events", async (HttpContext http) =>
        {
            received.Enqueue(http.Request.Headers["X-SC-Delivery"].ToString());
            // Long enough for the other instance's claim to meet a row being sent.
            await Task.Delay(10);
            return Results.Ok();
        });
        await receiver.StartAsync();
        var url = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Webhooks:Endpoints:0:Name"] = "gateway",
            ["Hub:Webhooks:Endpoints:0:Url"] = url + "/events",
            ["Hub:Webhooks:Endpoints:0:Secret"] = "cluster-webhook-secret-0123456789",
            ["Hub:Outbox:PollInterval"] = "00:00:00.050",
        };
        try
        {
            await using var a = new HubApp(settings: ClusterServers.PostgresSettings(database, settings));
            await using var b = new HubApp(settings: ClusterServers.PostgresSettings(database, settings));
            a.Start();
            b.Start();
            var items = Enumerable.Range(0, Deliveries).Select(i => new OutgoingNotification(OutboxChannels.Webhook, "gateway", null, "test.event",
                new Dictionary<string, string>(), "", $"cluster-{i}", null, false, $$"""{"n":{{i}}}""")).ToList();

            await Task.WhenAll(
                a.Services.GetRequiredService<INotificationOutbox>().EnqueueAsync(items[..(Deliveries / 2)], CancellationToken.None),
                b.Services.GetRequiredService<INotificationOutbox>().EnqueueAsync(items[(Deliveries / 2)..], CancellationToken.None),
                // The same keys again on the other instance: still one row each.
                b.Services.GetRequiredService<INotificationOutbox>().EnqueueAsync(items[..10], CancellationToken.None));

            await Eventually.GetAsync(async () =>
            {
                await using var scope = a.Services.CreateAsyncScope();
                return await scope.ServiceProvider.GetRequiredService<HubDbContext>().Outbox.CountAsync(m => m.State == OutboxState.Sent);
            }, n => n == Deliveries, timeout: TimeSpan.FromSeconds(60), what: "every row sent");

            Assert.Equal(Deliveries, received.Count);
            Assert.Equal(Deliveries, received.Distinct().Count());
            await using var scope = a.Services.CreateAsyncScope();
            var owners = await scope.ServiceProvider.GetRequiredService<HubDbContext>().Outbox.AsNoTracking().Select(m => m.Attempts).ToListAsync();
            Assert.All(owners, n => Assert.Equal(1, n));
        }
        finally
        {
            await ClusterServers.DropDatabaseAsync(database);
        }
    }
}
