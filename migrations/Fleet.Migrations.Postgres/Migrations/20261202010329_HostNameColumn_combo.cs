using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Fleet.Migrations.Postgres.Migrations
{
    /// <summary>
    /// The card's host name as a column of <c>gpus</c>, kept by triggers on every write path (a card placed, moved or
    /// unplaced by EF, a COPY, a set-based update, a renamed host), so that the grid's host sort reads one index range
    /// per combination of status, datacenter and model instead of sorting every card joined to its host (0.5–1 s at a
    /// million cards).
    /// </summary>
    public partial class HostNameColumn_combo : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "host_name",
                table: "gpus",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.Sql("""
                UPDATE gpus AS g SET host_name = h.hostname FROM hosts AS h WHERE h.id = g.host_id;
                CREATE FUNCTION gpus_host_name() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    NEW.host_name := (SELECT h.hostname FROM hosts AS h WHERE h.id = NEW.host_id);
                    RETURN NEW;
                END $$;
                CREATE TRIGGER gpus_host_name BEFORE INSERT OR UPDATE OF host_id, host_name ON gpus
                    FOR EACH ROW EXECUTE FUNCTION gpus_host_name();
                CREATE FUNCTION hosts_hostname_to_gpus() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE gpus SET host_name = NEW.hostname WHERE host_id = NEW.id;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER hosts_hostname_to_gpus AFTER UPDATE OF hostname ON hosts
                    FOR EACH ROW EXECUTE FUNCTION hosts_hostname_to_gpus();
                """);

            migrationBuilder.CreateIndex(
                name: "ix_gpus_combo_host_name",
                table: "gpus",
                columns: new[] { "status", "datacenter_id", "gpu_model_id", "host_name", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_gpus_host_name_id",
                table: "gpus",
                columns: new[] { "host_name", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS hosts_hostname_to_gpus ON hosts;
                DROP FUNCTION IF EXISTS hosts_hostname_to_gpus();
                DROP TRIGGER IF EXISTS gpus_host_name ON gpus;
                DROP FUNCTION IF EXISTS gpus_host_name();
                """);

            migrationBuilder.DropIndex(
                name: "ix_gpus_combo_host_name",
                table: "gpus");

            migrationBuilder.DropIndex(
                name: "ix_gpus_host_name_id",
                table: "gpus");

            migrationBuilder.DropColumn(
                name: "host_name",
                table: "gpus");
        }
    }
}
