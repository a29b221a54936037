using Fleet.Application.BurnIn;
using Fleet.Application.Common;
using Fleet.Application.Tests.Procurement;
using Fleet.Data;
using Fleet.Domain;
using Fleet.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Fleet.Application.Tests.BurnIn;

/// <summary>A migrated database, a clock that stands still, and the burn-in use cases over them.</summary>
public sealed class BurnInWorld : IAsyncDisposable
{
    public static readonly Actor Tech = new("tess", Roles.Technician);
    public static readonly Actor AgentA = new("token:agent-a", Roles.Agent);
    public static readonly Actor AgentB = new("token:agent-b", Roles.Agent);

    private BurnInWorld(TestDatabase database)
    {
        Database = database;
        var contexts = new TestContextFactory(database);
        Campaigns = new CreateBurnInCampaign(contexts, Time);
        Claims = new ClaimBurnInJob(contexts, Time, Options);
        Heartbeats = new HeartbeatBurnInJob(contexts, Time, Options);
        Results = new IngestBurnInResult(contexts, Time, Options, new FleetHistoryCache());
        Leases = new ExpireBurnInLeases(contexts, Time);
        Queries = new BurnInQueries(contexts);
    }

    public TestDatabase Database { get; }
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
    public BurnInOptions Options { get; } = new() { LeaseSeconds = 120 };
    public CreateBurnInCampaign Campaigns { get; }
    public ClaimBurnInJob Claims { get; }
    public HeartbeatBurnInJob Heartbeats { get; }
    public IngestBurnInResult Results { get; }
    public ExpireBurnInLeases Leases { get; }
    public BurnInQueries Queries { get; }

    public static async Task<BurnInWorld> CreateAsync(string provider) => new(await TestDatabase.CreateAsync(provider));

    public FleetDbContext Db() => Database.CreateContext();

    public async Task<IReadOnlyList<TestCard>> HostsAsync(string prefix, int hosts, int cards)
    {
        await using var db = Db();
        return await BurnInFleet.AddHostsAsync(db, prefix, hosts, cards);
    }

    public Task<CreateCampaignResponse> CampaignAsync(IEnumerable<TestCard> cards, string name = "test") =>
        Campaigns.CreateAsync(new CreateCampaignRequest(name, "quick", Serials: cards.Select(c => c.Serial).ToList()), Tech);

    public Task<ClaimResponse?> ClaimAsync(string host, Actor? agent = null, string agentId = "agent-1") =>
        Claims.ClaimAsync(new ClaimRequest(host, agentId, []), agent ?? AgentA);

    public void Advance(TimeSpan by) => Time.Advance(by);

    public async ValueTask DisposeAsync() => await Database.DisposeAsync();
}
