using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class GridKeyset_scale : Migration
    {
        private static readonly (string Table, string Column)[] s_searched =
            [("gpus", "serial"), ("gpus", "uuid"), ("gpus", "asset_tag"), ("gpus", "po_number"), ("hosts", "hostname")];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Free-text search: upper(column) LIKE '%TERM%' is served by a trigram index per searched column.
            migrationBuilder.Sql("CREATE EXTENSION IF NOT EXISTS pg_trgm;");
            foreach (var (table, column) in s_searched)
            {
                migrationBuilder.Sql($"CREATE INDEX ix_{table}_{column}_trgm ON {table} USING gin (upper({column}) gin_trgm_ops);");
            }

            migrationBuilder.DropIndex(
                name: "ix_gpus_asset_tag",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_host_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_received_at",
                table: "gpus");

            migrationBuilder.CreateIndex(
                name: "ix_gpus_asset_tag_id",
                table: "gpus",
                columns: new[] { "asset_tag", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_datacenter_id_id",
                table: "gpus",
                columns: new[] { "datacenter_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_gpu_model_id_id",
                table: "gpus",
                columns: new[] { "gpu_model_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_host_id_id",
                table: "gpus",
                columns: new[] { "host_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_po_number_id",
                table: "gpus",
                columns: new[] { "po_number", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_received_at_id",
                table: "gpus",
                columns: new[] { "received_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_status_id",
                table: "gpus",
                columns: new[] { "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_unit_cost_id",
                table: "gpus",
                columns: new[] { "unit_cost", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_warranty_ends_at_id",
                table: "gpus",
                columns: new[] { "warranty_ends_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, column) in s_searched)
            {
                migrationBuilder.Sql($"DROP INDEX IF EXISTS ix_{table}_{column}_trgm;");
            }

            migrationBuilder.DropIndex(
                name: "ix_gpus_asset_tag_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_datacenter_id_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_gpu_model_id_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_host_id_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_po_number_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_received_at_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_status_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_unit_cost_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_warranty_ends_at_id",
                table: "gpus");

            migrationBuilder.CreateIndex(
                name: "ix_gpus_asset_tag",
                table: "gpus",
                column: "asset_tag");

            migrationBuilder.CreateIndex(
                name: "ix_gpus_host_id",
                table: "gpus",
                column: "host_id");

            migrationBuilder.CreateIndex(
                name: "ix_gpus_received_at",
                table: "gpus",
                column: "received_at");
        }
    }
}
