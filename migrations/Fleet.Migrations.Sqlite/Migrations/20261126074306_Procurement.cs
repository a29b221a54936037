using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Procurement : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "budgets",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    datacenter_id = table.Column<int>(type: "INTEGER", nullable: false),
                    fiscal_year = table.Column<int>(type: "INTEGER", nullable: false),
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    amount = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_budgets", x => x.id);
                    table.ForeignKey(
                        name: "fk_budgets_datacenters_datacenter_id",
                        column: x => x.datacenter_id,
                        principalTable: "datacenters",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "deliveries",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    purchase_order_id = table.Column<int>(type: "INTEGER", nullable: false),
                    received_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    packing_list = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    count = table.Column<int>(type: "INTEGER", nullable: false),
                    received_by = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_deliveries", x => x.id);
                    table.ForeignKey(
                        name: "fk_deliveries_purchase_orders_purchase_order_id",
                        column: x => x.purchase_order_id,
                        principalTable: "purchase_orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "depreciation_policies",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    gpu_model_id = table.Column<int>(type: "INTEGER", nullable: false),
                    life_months = table.Column<int>(type: "INTEGER", nullable: false),
                    salvage_amount = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: true),
                    salvage_percent = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_depreciation_policies", x => x.id);
                    table.ForeignKey(
                        name: "fk_depreciation_policies_gpu_models_gpu_model_id",
                        column: x => x.gpu_model_id,
                        principalTable: "gpu_models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "gpu_energy_readings",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    gpu_id = table.Column<int>(type: "INTEGER", nullable: false),
                    period_start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    period_end = table.Column<DateTime>(type: "TEXT", nullable: false),
                    energy_kwh = table.Column<double>(type: "REAL", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_gpu_energy_readings", x => x.id);
                    table.ForeignKey(
                        name: "fk_gpu_energy_readings_gpus_gpu_id",
                        column: x => x.gpu_id,
                        principalTable: "gpus",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "invoices",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    purchase_order_id = table.Column<int>(type: "INTEGER", nullable: false),
                    number = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    invoiced_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    flagged = table.Column<bool>(type: "INTEGER", nullable: false),
                    discrepancies = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_invoices", x => x.id);
                    table.ForeignKey(
                        name: "fk_invoices_purchase_orders_purchase_order_id",
                        column: x => x.purchase_order_id,
                        principalTable: "purchase_orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "quotes",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    reference = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    vendor_id = table.Column<int>(type: "INTEGER", nullable: false),
                    quoted_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    valid_until = table.Column<DateTime>(type: "TEXT", nullable: true),
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    datacenter_id = table.Column<int>(type: "INTEGER", nullable: true),
                    purchase_order_id = table.Column<int>(type: "INTEGER", nullable: true),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quotes", x => x.id);
                    table.ForeignKey(
                        name: "fk_quotes_datacenters_datacenter_id",
                        column: x => x.datacenter_id,
                        principalTable: "datacenters",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_quotes_purchase_orders_purchase_order_id",
                        column: x => x.purchase_order_id,
                        principalTable: "purchase_orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_quotes_vendors_vendor_id",
                        column: x => x.vendor_id,
                        principalTable: "vendors",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "rma_cases",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    gpu_id = table.Column<int>(type: "INTEGER", nullable: false),
                    vendor_id = table.Column<int>(type: "INTEGER", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    evidence = table.Column<string>(type: "TEXT", maxLength: 64000, nullable: true),
                    vendor_case_number = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    opened_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    opened_by = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    shipped_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    tracking_number = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    advance_replacement = table.Column<bool>(type: "INTEGER", nullable: false),
                    credit_amount = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: true),
                    credit_currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: true),
                    closed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    replacement_gpu_id = table.Column<int>(type: "INTEGER", nullable: true),
                    version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rma_cases", x => x.id);
                    table.ForeignKey(
                        name: "fk_rma_cases_gpus_gpu_id",
                        column: x => x.gpu_id,
                        principalTable: "gpus",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_rma_cases_gpus_replacement_gpu_id",
                        column: x => x.replacement_gpu_id,
                        principalTable: "gpus",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_rma_cases_vendors_vendor_id",
                        column: x => x.vendor_id,
                        principalTable: "vendors",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "stored_profiles",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    gpu_model = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    model = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    dtype = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    tokens_per_second = table.Column<double>(type: "REAL", nullable: false),
                    uploaded_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stored_profiles", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "invoice_lines",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    invoice_id = table.Column<int>(type: "INTEGER", nullable: false),
                    purchase_order_line_id = table.Column<int>(type: "INTEGER", nullable: false),
                    quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    unit_price = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_invoice_lines", x => x.id);
                    table.ForeignKey(
                        name: "fk_invoice_lines_invoices_invoice_id",
                        column: x => x.invoice_id,
                        principalTable: "invoices",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_invoice_lines_purchase_order_lines_purchase_order_line_id",
                        column: x => x.purchase_order_line_id,
                        principalTable: "purchase_order_lines",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "quote_lines",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    quote_id = table.Column<int>(type: "INTEGER", nullable: false),
                    gpu_model_id = table.Column<int>(type: "INTEGER", nullable: false),
                    quantity = table.Column<int>(type: "INTEGER", nullable: false),
                    unit_price = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    warranty_months = table.Column<int>(type: "INTEGER", nullable: false),
                    expected_delivery = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_quote_lines", x => x.id);
                    table.ForeignKey(
                        name: "fk_quote_lines_gpu_models_gpu_model_id",
                        column: x => x.gpu_model_id,
                        principalTable: "gpu_models",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_quote_lines_quotes_quote_id",
                        column: x => x.quote_id,
                        principalTable: "quotes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_budgets_datacenter_id_fiscal_year_currency",
                table: "budgets",
                columns: new[] { "datacenter_id", "fiscal_year", "currency" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_purchase_order_id",
                table: "deliveries",
                column: "purchase_order_id");

            migrationBuilder.CreateIndex(
                name: "ix_depreciation_policies_gpu_model_id",
                table: "depreciation_policies",
                column: "gpu_model_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_gpu_energy_readings_gpu_id_period_start",
                table: "gpu_energy_readings",
                columns: new[] { "gpu_id", "period_start" });

            migrationBuilder.CreateIndex(
                name: "ix_invoice_lines_invoice_id",
                table: "invoice_lines",
                column: "invoice_id");

            migrationBuilder.CreateIndex(
                name: "ix_invoice_lines_purchase_order_line_id",
                table: "invoice_lines",
                column: "purchase_order_line_id");

            migrationBuilder.CreateIndex(
                name: "ix_invoices_purchase_order_id_number",
                table: "invoices",
                columns: new[] { "purchase_order_id", "number" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_quote_lines_gpu_model_id",
                table: "quote_lines",
                column: "gpu_model_id");

            migrationBuilder.CreateIndex(
                name: "ix_quote_lines_quote_id",
                table: "quote_lines",
                column: "quote_id");

            migrationBuilder.CreateIndex(
                name: "ix_quotes_datacenter_id",
                table: "quotes",
                column: "datacenter_id");

            migrationBuilder.CreateIndex(
                name: "ix_quotes_purchase_order_id",
                table: "quotes",
                column: "purchase_order_id");

            migrationBuilder.CreateIndex(
                name: "ix_quotes_reference",
                table: "quotes",
                column: "reference",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_quotes_vendor_id",
                table: "quotes",
                column: "vendor_id");

            migrationBuilder.CreateIndex(
                name: "ix_rma_cases_gpu_id",
                table: "rma_cases",
                column: "gpu_id");

            migrationBuilder.CreateIndex(
                name: "ix_rma_cases_replacement_gpu_id",
                table: "rma_cases",
                column: "replacement_gpu_id");

            migrationBuilder.CreateIndex(
                name: "ix_rma_cases_status_opened_at",
                table: "rma_cases",
                columns: new[] { "status", "opened_at" });

            migrationBuilder.CreateIndex(
                name: "ix_rma_cases_vendor_id",
                table: "rma_cases",
                column: "vendor_id");

            migrationBuilder.CreateIndex(
                name: "ix_stored_profiles_gpu_model_model_uploaded_at",
                table: "stored_profiles",
                columns: new[] { "gpu_model", "model", "uploaded_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "budgets");

            migrationBuilder.DropTable(
                name: "deliveries");

            migrationBuilder.DropTable(
                name: "depreciation_policies");

            migrationBuilder.DropTable(
                name: "gpu_energy_readings");

            migrationBuilder.DropTable(
                name: "invoice_lines");

            migrationBuilder.DropTable(
                name: "quote_lines");

            migrationBuilder.DropTable(
                name: "rma_cases");

            migrationBuilder.DropTable(
                name: "stored_profiles");

            migrationBuilder.DropTable(
                name: "invoices");

            migrationBuilder.DropTable(
                name: "quotes");
        }
    }
}
