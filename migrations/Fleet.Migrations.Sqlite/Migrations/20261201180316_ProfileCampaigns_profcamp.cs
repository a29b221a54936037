using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ProfileCampaigns_profcamp : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "burn_in_job_id",
                table: "stored_profiles",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "gpu_id",
                table: "stored_profiles",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "gpu_serial",
                table: "stored_profiles",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "burn_in_jobs",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "BurnIn");

            migrationBuilder.AddColumn<string>(
                name: "dtype",
                table: "burn_in_campaigns",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "burn_in_campaigns",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "BurnIn");

            migrationBuilder.AddColumn<string>(
                name: "preset",
                table: "burn_in_campaigns",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_stored_profiles_burn_in_job_id",
                table: "stored_profiles",
                column: "burn_in_job_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_stored_profiles_gpu_id",
                table: "stored_profiles",
                column: "gpu_id");

            migrationBuilder.AddForeignKey(
                name: "fk_stored_profiles_burn_in_jobs_burn_in_job_id",
                table: "stored_profiles",
                column: "burn_in_job_id",
                principalTable: "burn_in_jobs",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_stored_profiles_gpus_gpu_id",
                table: "stored_profiles",
                column: "gpu_id",
                principalTable: "gpus",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_stored_profiles_burn_in_jobs_burn_in_job_id",
                table: "stored_profiles");

            migrationBuilder.DropForeignKey(
                name: "fk_stored_profiles_gpus_gpu_id",
                table: "stored_profiles");

            migrationBuilder.DropIndex(
                name: "ix_stored_profiles_burn_in_job_id",
                table: "stored_profiles");

            migrationBuilder.DropIndex(
                name: "ix_stored_profiles_gpu_id",
                table: "stored_profiles");

            migrationBuilder.DropColumn(
                name: "burn_in_job_id",
                table: "stored_profiles");

            migrationBuilder.DropColumn(
                name: "gpu_id",
                table: "stored_profiles");

            migrationBuilder.DropColumn(
                name: "gpu_serial",
                table: "stored_profiles");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "burn_in_jobs");

            migrationBuilder.DropColumn(
                name: "dtype",
                table: "burn_in_campaigns");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "burn_in_campaigns");

            migrationBuilder.DropColumn(
                name: "preset",
                table: "burn_in_campaigns");
        }
    }
}
