using Fleet.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Sqlite.Migrations
{
    /// <summary>
    /// Free-text search on SQLite: an FTS5 trigram index (SQLite 3.34+) over the cards' serial, UUID, asset tag and PO
    /// number, external content on <c>gpus</c> kept in step by triggers. No model change: the table is not an entity.
    /// A later migration that rebuilds <c>gpus</c> (SQLite's ALTER by copy) drops the triggers and must recreate them.
    /// </summary>
    [DbContext(typeof(FleetDbContext))]
    [Migration("20261201180000_SearchFts_search")]
    public partial class SearchFts_search : Migration
    {
        private const string Columns = "serial, uuid, asset_tag, po_number";

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"CREATE VIRTUAL TABLE gpus_search USING fts5({Columns}, content='gpus', content_rowid='id', tokenize='trigram');");
            migrationBuilder.Sql("INSERT INTO gpus_search(gpus_search) VALUES ('rebuild');");
            migrationBuilder.Sql($"""
                CREATE TRIGGER gpus_search_insert AFTER INSERT ON gpus BEGIN
                    INSERT INTO gpus_search(rowid, {Columns}) VALUES (new.id, new.serial, new.uuid, new.asset_tag, new.po_number);
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER gpus_search_delete AFTER DELETE ON gpus BEGIN
                    INSERT INTO gpus_search(gpus_search, rowid, {Columns}) VALUES ('delete', old.id, old.serial, old.uuid, old.asset_tag, old.po_number);
                END;
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER gpus_search_update AFTER UPDATE OF {Columns} ON gpus BEGIN
                    INSERT INTO gpus_search(gpus_search, rowid, {Columns}) VALUES ('delete', old.id, old.serial, old.uuid, old.asset_tag, old.po_number);
                    INSERT INTO gpus_search(rowid, {Columns}) VALUES (new.id, new.serial, new.uuid, new.asset_tag, new.po_number);
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS gpus_search_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS gpus_search_delete;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS gpus_search_insert;");
            migrationBuilder.Sql("DROP TABLE IF EXISTS gpus_search;");
        }
    }
}
