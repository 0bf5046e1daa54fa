using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SmartCommunity.Hub.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class EarlyWarningShared : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "EarlyWarningBlobs",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Content = table.Column<byte[]>(type: "BLOB", nullable: false),
                    SavedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_EarlyWarningBlobs", x => x.Name);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "EarlyWarningBlobs");
        }
    }
}
