namespace SmartCommunity.Testing;

/// <summary>
/// The small world <see cref="HubApp.SeedWorldAsync"/> creates: one community, grids A and B with a household and a
/// resident each, and one person for every role (the password of all is <see cref="HubApp.Password"/>).
/// </summary>
public sealed record World(int CommunityId, int GridA, int GridB, int HouseholdA, int HouseholdB, int ResidentA, int ResidentB)
{
    public const string Staff = "staff@test.local";
    public const string WorkerA = "worker.a@test.local";
    public const string WorkerB = "worker.b@test.local";
    public const string Technician = "tech@test.local";
    public const string FamilyA = "family.a@test.local";
    public const string FamilyB = "family.b@test.local";
}
