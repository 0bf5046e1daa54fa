using System.Collections.Frozen;
using Microsoft.EntityFrameworkCore;
using SmartCommunity.Hub.Persistence;

namespace SmartCommunity.Hub.Places;

/// <summary>Display names of residents, households and grids, cached for alert pushes (which must not wait on SQL joins).</summary>
public sealed class PlaceNames
{
    private FrozenDictionary<int, string> _residents = FrozenDictionary<int, string>.Empty;
    private FrozenDictionary<int, string> _households = FrozenDictionary<int, string>.Empty;
    private FrozenDictionary<int, string> _grids = FrozenDictionary<int, string>.Empty;

    public string? Resident(int? id) => id is { } i ? _residents.GetValueOrDefault(i) : null;
    public string? Household(int? id) => id is { } i ? _households.GetValueOrDefault(i) : null;
    public string? Grid(int? id) => id is { } i ? _grids.GetValueOrDefault(i) : null;

    public async Task ReloadAsync(HubDbContext db, CancellationToken ct)
    {
        _residents = (await db.Residents.AsNoTracking().Select(r => new { r.Id, r.Name }).ToListAsync(ct)).ToFrozenDictionary(x => x.Id, x => x.Name);
        _households = (await db.Households.AsNoTracking().Select(h => new { h.Id, h.Address }).ToListAsync(ct)).ToFrozenDictionary(x => x.Id, x => x.Address);
        _grids = (await db.Grids.AsNoTracking().Select(g => new { g.Id, g.Name }).ToListAsync(ct)).ToFrozenDictionary(x => x.Id, x => x.Name);
    }
}
