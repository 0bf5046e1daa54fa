using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SmartCommunity.Hub.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PersonalData : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PreviousSecretHash",
                table: "Devices",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PreviousSecretValidUntil",
                table: "Devices",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ResidentIds",
                table: "AuditLog",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PreviousSecretHash",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "PreviousSecretValidUntil",
                table: "Devices");

            migrationBuilder.DropColumn(
                name: "ResidentIds",
                table: "AuditLog");
        }
    }
}
