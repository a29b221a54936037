using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class InvoiceReview_rules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "review_note",
                table: "invoices",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "reviewed_at",
                table: "invoices",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "reviewed_by",
                table: "invoices",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "status",
                table: "invoices",
                type: "character varying(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "Matched");

            // Invoices flagged before the review step existed wait for their review.
            migrationBuilder.Sql("UPDATE invoices SET status = 'Mismatch' WHERE flagged");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "review_note",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "reviewed_at",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "reviewed_by",
                table: "invoices");

            migrationBuilder.DropColumn(
                name: "status",
                table: "invoices");
        }
    }
}
