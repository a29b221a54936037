using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class StoredProfileJsonLimit_http : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "json",
                table: "stored_profiles",
                type: "character varying(4194304)",
                maxLength: 4194304,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "text");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "json",
                table: "stored_profiles",
                type: "text",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(4194304)",
                oldMaxLength: 4194304);
        }
    }
}
