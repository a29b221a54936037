using Fleet.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Postgres.Migrations
{
    /// <summary>
    /// A trigram index on the cards' own host-name column, for a search term that names more hosts than the search
    /// resolves to an id list (a rack row's prefix): the cards then come from this index like a serial's or an asset
    /// tag's. No change to the model (the trigram indexes are raw SQL, as in <c>GridKeyset_scale</c>).
    /// </summary>
    [DbContext(typeof(FleetDbContext))]
    [Migration("20261202050000_HostNameTrigram_search")]
    public partial class HostNameTrigram_search : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("CREATE INDEX ix_gpus_host_name_trgm ON gpus USING gin (upper(host_name) gin_trgm_ops);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_gpus_host_name_trgm;");
        }
    }
}
