using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SmartCommunity.Hub.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PeopleContactsEmergencyProfiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Sms",
                table: "NotificationPreferences",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "Voice",
                table: "NotificationPreferences",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "EmergencyProfiles",
                columns: table => new
                {
                    ResidentId = table.Column<int>(type: "INTEGER", nullable: false),
                    Conditions = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Medication = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Allergies = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Mobility = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    KeyHolder = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    AccessNotes = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Doctor = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Hospital = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Contacts = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EmergencyProfiles", x => x.ResidentId);
                    table.ForeignKey(
                        name: "FK_EmergencyProfiles_Residents_ResidentId",
                        column: x => x.ResidentId,
                        principalTable: "Residents",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EmergencyProfiles");

            migrationBuilder.DropColumn(
                name: "Sms",
                table: "NotificationPreferences");

            migrationBuilder.DropColumn(
                name: "Voice",
                table: "NotificationPreferences");
        }
    }
}
