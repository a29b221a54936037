using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Fleet.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class PlanRuns_planapi : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "saved_scenarios",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    scenario_json = table.Column<string>(type: "text", nullable: false),
                    created_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_saved_scenarios", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "plan_runs",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    saved_scenario_id = table.Column<int>(type: "integer", nullable: true),
                    scenario_name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    scenario_json = table.Column<string>(type: "text", nullable: false),
                    options_json = table.Column<string>(type: "text", nullable: true),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    progress = table.Column<double>(type: "double precision", nullable: false),
                    result_json = table.Column<string>(type: "text", nullable: true),
                    warnings_json = table.Column<string>(type: "text", nullable: true),
                    error = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    created_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_plan_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_plan_runs_saved_scenarios_saved_scenario_id",
                        column: x => x.saved_scenario_id,
                        principalTable: "saved_scenarios",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "plan_run_orders",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    plan_run_id = table.Column<int>(type: "integer", nullable: false),
                    purchase_order_id = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_plan_run_orders", x => x.id);
                    table.ForeignKey(
                        name: "fk_plan_run_orders_plan_runs_plan_run_id",
                        column: x => x.plan_run_id,
                        principalTable: "plan_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_plan_run_orders_purchase_orders_purchase_order_id",
                        column: x => x.purchase_order_id,
                        principalTable: "purchase_orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_plan_run_orders_plan_run_id_purchase_order_id",
                table: "plan_run_orders",
                columns: new[] { "plan_run_id", "purchase_order_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_plan_run_orders_purchase_order_id",
                table: "plan_run_orders",
                column: "purchase_order_id");

            migrationBuilder.CreateIndex(
                name: "ix_plan_runs_saved_scenario_id_created_at",
                table: "plan_runs",
                columns: new[] { "saved_scenario_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_plan_runs_state",
                table: "plan_runs",
                column: "state");

            migrationBuilder.CreateIndex(
                name: "ix_saved_scenarios_name",
                table: "saved_scenarios",
                column: "name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "plan_run_orders");

            migrationBuilder.DropTable(
                name: "plan_runs");

            migrationBuilder.DropTable(
                name: "saved_scenarios");
        }
    }
}
