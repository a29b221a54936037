using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Sqlite.Migrations
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
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "reviewed_at",
                table: "invoices",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "reviewed_by",
                table: "invoices",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "status",
                table: "invoices",
                type: "TEXT",
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
