using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SmartCommunity.Hub.Persistence.Migrations.Postgres
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
                    Name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    Content = table.Column<byte[]>(type: "bytea", nullable: false),
                    SavedAt = table.Column<long>(type: "bigint", nullable: false)
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
