using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SmartCommunity.Hub.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FamilyWithResident : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "WithResidentAt",
                table: "Alerts",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "WithResidentBy",
                table: "Alerts",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "WithResidentAt",
                table: "Alerts");

            migrationBuilder.DropColumn(
                name: "WithResidentBy",
                table: "Alerts");
        }
    }
}
