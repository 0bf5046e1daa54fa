using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Domain.Places;
using SmartCommunity.Hub.Hosting;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.People;

/// <summary>Creates people with a role and a scope; used by the API, the CLI and the demo seeder.</summary>
public sealed class UserAdministration(UserManager<HubUser> users, RoleManager<IdentityRole> roles, HubDbContext db, Places.PlaceNames names)
{
    public async Task EnsureRolesAsync()
    {
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));
        }
    }

    public async Task<(UserDto? User, Dictionary<string, string[]> Errors)> CreateAsync(CreateUserRequest req, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Roles.All.Contains(req.Role))
            errors["role"] = [$"role must be one of {string.Join(", ", Roles.All)}"];
        if (req.Role == Roles.EmergencyStaff && (req.CommunityId is not { } c || !await db.Communities.AnyAsync(x => x.Id == c, ct)))
            errors["communityId"] = ["emergency staff need an existing communityId"];
        int? communityId = req.CommunityId;
        if (req.Role == Roles.GridWorker)
        {
            var grid = req.GridId is { } g ? await db.Grids.AsNoTracking().SingleOrDefaultAsync(x => x.Id == g, ct) : null;
            if (grid is null)
                errors["gridId"] = ["grid workers need an existing gridId"];
            else
                communityId = grid.CommunityId;
        }
        var residentIds = req.ResidentIds ?? [];
        if (req.Role == Roles.Family)
        {
            if (residentIds.Count == 0)
                errors["residentIds"] = ["family members need at least one resident"];
            else if (await db.Residents.CountAsync(r => residentIds.Contains(r.Id), ct) != residentIds.Distinct().Count())
                errors["residentIds"] = ["no such resident"];
        }
        if (req.Language is not (null or "en" or "zh-CN"))
            errors["language"] = ["language must be en or zh-CN"];
        var displayName = errors.CheckText(TextField.DisplayName, req.DisplayName);
        if (errors.Count > 0)
            return (null, errors);

        var user = new HubUser
        {
            UserName = req.Email, Email = req.Email, EmailConfirmed = true, DisplayName = displayName ?? req.Email,
            CommunityId = req.Role is Roles.EmergencyStaff or Roles.GridWorker ? communityId : null,
            GridId = req.Role == Roles.GridWorker ? req.GridId : null,
            Language = req.Language,
        };
        var created = await users.CreateAsync(user, req.Password ?? "");
        if (!created.Succeeded)
            return (null, created.Errors.GroupBy(e => e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "email")
                .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray()));
        await users.AddToRoleAsync(user, req.Role);
        names.SetPerson(user.UserName!, user.DisplayName);
        if (req.Role == Roles.Family)
        {
            foreach (var rid in residentIds.Distinct())
                db.FamilyLinks.Add(new FamilyLink { UserId = user.Id, ResidentId = rid });
            await db.SaveChangesAsync(ct);
        }
        return (new UserDto(user.Id, user.Email!, user.DisplayName, [req.Role], user.CommunityId, user.GridId, residentIds.Distinct().ToList()), errors);
    }
}
