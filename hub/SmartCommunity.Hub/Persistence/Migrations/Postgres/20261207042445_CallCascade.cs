using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SmartCommunity.Hub.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CallCascade : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "HandedOffAt",
                table: "Alerts",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HandedOffBy",
                table: "Alerts",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "HandedOffTo",
                table: "Alerts",
                type: "character varying(8)",
                maxLength: 8,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "AlertAckTokens",
                columns: table => new
                {
                    Token = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    AlertId = table.Column<long>(type: "bigint", nullable: false),
                    ContactKey = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ContactName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    UserId = table.Column<string>(type: "character varying(450)", maxLength: 450, nullable: true),
                    Phone = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    Code = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    Language = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAt = table.Column<long>(type: "bigint", nullable: false),
                    UsedAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AlertAckTokens", x => x.Token);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AlertAckTokens_AlertId",
                table: "AlertAckTokens",
                column: "AlertId");

            migrationBuilder.CreateIndex(
                name: "IX_AlertAckTokens_Phone_Code",
                table: "AlertAckTokens",
                columns: new[] { "Phone", "Code" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AlertAckTokens");

            migrationBuilder.DropColumn(
                name: "HandedOffAt",
                table: "Alerts");

            migrationBuilder.DropColumn(
                name: "HandedOffBy",
                table: "Alerts");

            migrationBuilder.DropColumn(
                name: "HandedOffTo",
                table: "Alerts");
        }
    }
}
