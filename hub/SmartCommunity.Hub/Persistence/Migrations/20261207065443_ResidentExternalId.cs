using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SmartCommunity.Hub.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ResidentExternalId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ExternalId",
                table: "Residents",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Residents_ExternalId",
                table: "Residents",
                column: "ExternalId",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Residents_ExternalId",
                table: "Residents");

            migrationBuilder.DropColumn(
                name: "ExternalId",
                table: "Residents");
        }
    }
}
