using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.People;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Hosting;

/// <summary>Command-line tasks that run against the data directory without starting the hub.</summary>
public static class HubCli
{
    public static async Task<int> CreateAdminAsync(string[] args)
    {
        string? email = null, password = Environment.GetEnvironmentVariable("SC_ADMIN_PASSWORD");
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--email" when i + 1 < args.Length: email = args[++i]; break;
                case "--password" when i + 1 < args.Length: password = args[++i]; break;
                default: rest.Add(args[i]); break;
            }
        }
        if (email is null || string.IsNullOrEmpty(password))
        {
            await Console.Error.WriteLineAsync("usage: create-admin --email EMAIL [--password P | SC_ADMIN_PASSWORD=P] [--Hub:DataDirectory=DIR]");
            return 2;
        }
        var builder = WebApplication.CreateBuilder([.. rest]);
        builder.AddHubOptions();
        builder.AddHubPersistence();
        builder.AddHubPeople();
        await using var app = builder.Build();
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<HubDbContext>().Database.MigrateAsync();
        var admin = scope.ServiceProvider.GetRequiredService<UserAdministration>();
        await admin.EnsureRolesAsync();
        var (user, errors) = await admin.CreateAsync(new CreateUserRequest(email, password, "Administrator", Roles.Admin, null, null, null, null), CancellationToken.None);
        if (user is null)
        {
            await Console.Error.WriteLineAsync("could not create the administrator: " + string.Join("; ", errors.SelectMany(e => e.Value)));
            return 1;
        }
        Console.WriteLine($"administrator {email} created");
        return 0;
    }
}
