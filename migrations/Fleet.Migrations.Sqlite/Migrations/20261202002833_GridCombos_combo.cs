using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Sqlite.Migrations
{
    /// <summary>
    /// A filtered grid page reads one range per combination of status, datacenter and model, in the sort's order: one
    /// (status, datacenter_id, gpu_model_id, sort key, id) index per sortable column replaces the (filter, serial) and
    /// (status, datacenter_id, received_at, id) indexes, which served only the shapes they were chosen for.
    /// </summary>
    public partial class GridCombos_combo : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_gpus_datacenter_id_serial",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_gpu_model_id_serial",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_status_datacenter_id_received_at_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_status_serial",
                table: "gpus");

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_asset_tag",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "asset_tag", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_id",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_po_number",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "po_number", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_received_at",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "received_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_serial",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "serial", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_unit_cost",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "unit_cost", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_uuid",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "uuid", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_warranty_ends_at",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "warranty_ends_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_asset_tag",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_id",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_po_number",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_received_at",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_serial",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_unit_cost",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_uuid",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_warranty_ends_at",
                table: "gpus");

            migrationBuilder.CreateIndex(
                name: "ix_gpus_datacenter_id_serial",
                table: "gpus",
                columns: new[] { "datacenter_id", "serial" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_gpu_model_id_serial",
                table: "gpus",
                columns: new[] { "gpu_model_id", "serial" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_status_datacenter_id_received_at_id",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "received_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_status_serial",
                table: "gpus",
                columns: new[] { "status", "serial" });
        }
    }
}
