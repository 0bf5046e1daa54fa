using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SmartCommunity.Hub.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class DeviceSecretRotation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PreviousSecretHash",
                table: "Devices",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PreviousSecretValidUntil",
                table: "Devices",
                type: "INTEGER",
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
        }
    }
}
