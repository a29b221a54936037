using Fleet.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Postgres.Migrations
{
    /// <summary>
    /// The search's card group for a PO number: the first cards of one number in serial order, walked from
    /// (po_number, serial, id) and stopped after the limit, instead of sorting every card of the order (tens of
    /// thousands at a million cards). Raw SQL, as the trigram indexes: the search's own index, not in the EF model.
    /// </summary>
    [DbContext(typeof(FleetDbContext))]
    [Migration("20261201180000_SearchPoSerial_search")]
    public partial class SearchPoSerial_search : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("CREATE INDEX ix_gpus_po_number_serial ON gpus (po_number, serial, id);");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_gpus_po_number_serial;");
    }
}
