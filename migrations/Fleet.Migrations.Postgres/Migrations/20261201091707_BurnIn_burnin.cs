using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Fleet.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class BurnIn_burnin : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "burn_in_campaigns",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    level = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    duration_seconds = table.Column<double>(type: "double precision", nullable: true),
                    created_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    created_by_role = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_burn_in_campaigns", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "burn_in_jobs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    campaign_id = table.Column<int>(type: "integer", nullable: false),
                    host_id = table.Column<int>(type: "integer", nullable: false),
                    host_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    holder_agent_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    holder_principal = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    claimed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    lease_expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    last_heartbeat_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    phase = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    percent = table.Column<double>(type: "double precision", nullable: true),
                    failure_reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_burn_in_jobs", x => x.id);
                    table.ForeignKey(
                        name: "fk_burn_in_jobs_burn_in_campaigns_campaign_id",
                        column: x => x.campaign_id,
                        principalTable: "burn_in_campaigns",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_burn_in_jobs_hosts_host_id",
                        column: x => x.host_id,
                        principalTable: "hosts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "burn_in_job_cards",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    job_id = table.Column<long>(type: "bigint", nullable: false),
                    gpu_id = table.Column<int>(type: "integer", nullable: false),
                    serial = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    uuid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    slot = table.Column<int>(type: "integer", nullable: true),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    burn_in_run_id = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_burn_in_job_cards", x => x.id);
                    table.ForeignKey(
                        name: "fk_burn_in_job_cards_burn_in_jobs_job_id",
                        column: x => x.job_id,
                        principalTable: "burn_in_jobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_burn_in_job_cards_gpus_gpu_id",
                        column: x => x.gpu_id,
                        principalTable: "gpus",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "burn_in_reports",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    run_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    job_id = table.Column<long>(type: "bigint", nullable: true),
                    content_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    json = table.Column<string>(type: "text", nullable: false),
                    hostname = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    tool_version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    received_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    received_by = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_burn_in_reports", x => x.id);
                    table.ForeignKey(
                        name: "fk_burn_in_reports_burn_in_jobs_job_id",
                        column: x => x.job_id,
                        principalTable: "burn_in_jobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "burn_in_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    report_id = table.Column<long>(type: "bigint", nullable: false),
                    run_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    job_id = table.Column<long>(type: "bigint", nullable: true),
                    campaign_id = table.Column<int>(type: "integer", nullable: true),
                    gpu_id = table.Column<int>(type: "integer", nullable: false),
                    tool_version = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    level = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    verdict = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    complete = table.Column<bool>(type: "boolean", nullable: false),
                    stand_in = table.Column<bool>(type: "boolean", nullable: false),
                    seen = table.Column<bool>(type: "boolean", nullable: false),
                    device_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    device_uuid = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    device_serial = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    pci_bus_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    vbios = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    board_part_number = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    device_to_device_g_bs = table.Column<double>(type: "double precision", nullable: true),
                    host_to_device_g_bs = table.Column<double>(type: "double precision", nullable: true),
                    device_to_host_g_bs = table.Column<double>(type: "double precision", nullable: true),
                    max_temperature_c = table.Column<double>(type: "double precision", nullable: true),
                    max_power_w = table.Column<double>(type: "double precision", nullable: true),
                    energy_j = table.Column<double>(type: "double precision", nullable: true),
                    ecc_corrected_delta = table.Column<long>(type: "bigint", nullable: true),
                    ecc_uncorrected_delta = table.Column<long>(type: "bigint", nullable: true),
                    pcie_replay_delta = table.Column<long>(type: "bigint", nullable: true),
                    device_json = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_burn_in_runs", x => x.id);
                    table.ForeignKey(
                        name: "fk_burn_in_runs_burn_in_reports_report_id",
                        column: x => x.report_id,
                        principalTable: "burn_in_reports",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_burn_in_runs_gpus_gpu_id",
                        column: x => x.gpu_id,
                        principalTable: "gpus",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "burn_in_findings",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    burn_in_run_id = table.Column<long>(type: "bigint", nullable: false),
                    code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    severity = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    message = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    evidence_json = table.Column<string>(type: "text", nullable: true),
                    source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_burn_in_findings", x => x.id);
                    table.ForeignKey(
                        name: "fk_burn_in_findings_burn_in_runs_burn_in_run_id",
                        column: x => x.burn_in_run_id,
                        principalTable: "burn_in_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "burn_in_precision_results",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    burn_in_run_id = table.Column<long>(type: "bigint", nullable: false),
                    precision = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    engine = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    size = table.Column<int>(type: "integer", nullable: false),
                    tflops = table.Column<double>(type: "double precision", nullable: false),
                    spec_tflops = table.Column<double>(type: "double precision", nullable: true),
                    percent_of_spec = table.Column<double>(type: "double precision", nullable: true),
                    fleet_median_tflops = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_burn_in_precision_results", x => x.id);
                    table.ForeignKey(
                        name: "fk_burn_in_precision_results_burn_in_runs_burn_in_run_id",
                        column: x => x.burn_in_run_id,
                        principalTable: "burn_in_runs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_campaigns_created_at",
                table: "burn_in_campaigns",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_findings_burn_in_run_id",
                table: "burn_in_findings",
                column: "burn_in_run_id");

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_findings_code",
                table: "burn_in_findings",
                column: "code");

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_job_cards_gpu_id",
                table: "burn_in_job_cards",
                column: "gpu_id");

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_job_cards_job_id_gpu_id",
                table: "burn_in_job_cards",
                columns: new[] { "job_id", "gpu_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_jobs_campaign_id_state",
                table: "burn_in_jobs",
                columns: new[] { "campaign_id", "state" });

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_jobs_host_id",
                table: "burn_in_jobs",
                column: "host_id");

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_jobs_host_name_state_id",
                table: "burn_in_jobs",
                columns: new[] { "host_name", "state", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_jobs_state_lease_expires_at",
                table: "burn_in_jobs",
                columns: new[] { "state", "lease_expires_at" });

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_precision_results_burn_in_run_id_precision",
                table: "burn_in_precision_results",
                columns: new[] { "burn_in_run_id", "precision" });

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_reports_job_id",
                table: "burn_in_reports",
                column: "job_id");

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_reports_run_id",
                table: "burn_in_reports",
                column: "run_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_runs_campaign_id",
                table: "burn_in_runs",
                column: "campaign_id");

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_runs_gpu_id_started_at",
                table: "burn_in_runs",
                columns: new[] { "gpu_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_runs_report_id",
                table: "burn_in_runs",
                column: "report_id");

            migrationBuilder.CreateIndex(
                name: "ix_burn_in_runs_run_id_gpu_id",
                table: "burn_in_runs",
                columns: new[] { "run_id", "gpu_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "burn_in_findings");

            migrationBuilder.DropTable(
                name: "burn_in_job_cards");

            migrationBuilder.DropTable(
                name: "burn_in_precision_results");

            migrationBuilder.DropTable(
                name: "burn_in_runs");

            migrationBuilder.DropTable(
                name: "burn_in_reports");

            migrationBuilder.DropTable(
                name: "burn_in_jobs");

            migrationBuilder.DropTable(
                name: "burn_in_campaigns");
        }
    }
}
