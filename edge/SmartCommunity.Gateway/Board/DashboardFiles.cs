using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace SmartCommunity.Gateway.Board;

/// <summary>
/// Serves the built dashboard (the same dashboard/dist the hub serves) for the duty room's local board. Found at
/// <c>Gateway:DashboardPath</c>, else in <c>dashboard/</c> next to the gateway's binary (where <c>dotnet publish</c>
/// puts it), else in <c>dashboard/dist</c> above the working directory (a checkout).
/// </summary>
public static class DashboardFiles
{
    public static void UseDashboard(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var root = Locate(options.DashboardPath, AppContext.BaseDirectory, app.Environment.ContentRootPath);
        if (root is null)
        {
            app.Logger.LogWarning("Dashboard not found (Gateway:DashboardPath, dashboard/ next to the gateway, dashboard/dist above it): the local board has no page");
            app.MapGet("/", () => Results.Content(
                "<!doctype html><title>SmartCommunity gateway</title><p>The dashboard is not installed: see docs/gateway.md, Install.</p>", "text/html"));
            return;
        }
        var files = new PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".webmanifest"] = "application/manifest+json";
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = types,
            OnPrepareResponse = ctx =>
            {
                // As at the hub: never cache what names the app's version, or a browser keeps an old app after an upgrade.
                var name = ctx.File.Name;
                if (name.EndsWith(".html", StringComparison.Ordinal) || name is "sw.js" or "manifest.webmanifest")
                    ctx.Context.Response.Headers.CacheControl = "no-cache";
            },
        });
        app.Logger.LogInformation("Serving the dashboard from {DashboardRoot}", root);
    }

    internal static string? Locate(string? configured, string binary, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(Path.Combine(configured, "index.html")) ? Path.GetFullPath(configured) : null;
        var published = Path.Combine(binary, "dashboard");
        if (File.Exists(Path.Combine(published, "index.html")))
            return published;
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "dashboard", "dist");
            if (File.Exists(Path.Combine(candidate, "index.html")))
                return candidate;
        }
        return null;
    }
}
