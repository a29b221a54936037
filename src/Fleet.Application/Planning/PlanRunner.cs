using System.Text.Json;
using Fleet.Domain.Planning;
using Fleet.Planning;
using Fleet.Planning.Capacity;
using Fleet.Planning.Scenarios;
using Fleet.Planning.Simulation;

namespace Fleet.Application.Planning;

/// <summary>
/// Works the plan queue one run at a time: queued → running (progress written every second) → done with the CLI's
/// result JSON, failed with the reason, or cancelled. At start it fails the runs a previous process left unfinished,
/// so none stays "running" after a restart.
/// </summary>
public sealed class PlanRunner(IDbContextFactory<FleetDbContext> contexts, PlanQueue queue, PlanningOptions options, TimeProvider time)
{
    internal static readonly JsonSerializerOptions OptionsJson = new(JsonSerializerDefaults.Web);

    /// <summary>Runs until <paramref name="stoppingToken"/> fires (the hosted service's loop).</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        await foreach (var id in queue.Reader.ReadAllAsync(stoppingToken))
        {
            await RunOneAsync(id, stoppingToken);
        }
    }

    /// <summary>Fails the queued and running runs created before this process started; returns how many.</summary>
    public async Task<int> RecoverAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var lost = await db.PlanRuns.Where(r => (r.State == PlanRunStates.Queued || r.State == PlanRunStates.Running) && r.CreatedAt < queue.StartedAt).ToListAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var run in lost)
        {
            run.Fail(run.State == PlanRunStates.Running
                ? "The server restarted while this run was running; submit it again."
                : "The server restarted before this run started; submit it again.", now);
        }

        await db.SaveChangesAsync(ct);
        return lost.Count;
    }

    /// <summary>Runs one queued run to its end state.</summary>
    public async Task RunOneAsync(int id, CancellationToken stoppingToken)
    {
        try
        {
            string scenarioJson, kind;
            string? optionsJson;
            await using (var db = await contexts.CreateDbContextAsync(stoppingToken))
            {
                var run = await db.PlanRuns.FirstOrDefaultAsync(r => r.Id == id, stoppingToken);
                if (run is null || !run.Start(time.GetUtcNow().UtcDateTime))
                {
                    return;
                }

                await db.SaveChangesAsync(stoppingToken);
                (scenarioJson, kind, optionsJson) = (run.ScenarioJson, run.Kind, run.OptionsJson);
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, queue.TokenFor(id));
            var work = Task.Run(() => ExecuteAsync(id, scenarioJson, kind, optionsJson, linked.Token), linked.Token);
            while (!work.IsCompleted)
            {
                await Task.WhenAny(work, Task.Delay(options.ProgressInterval, time, CancellationToken.None));
                if (!work.IsCompleted && queue.ProgressOf(id) is { } p)
                {
                    await SaveProgressAsync(id, p, stoppingToken);
                }
            }

            string? result = null;
            string? error = null;
            try
            {
                result = await work;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                error = "The server stopped while this run was running; submit it again.";
            }
            catch (OperationCanceledException)
            {
                return; // Cancelled by a user: CancelAsync has stored the state.
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                error = ex.Message;
            }

            await FinishAsync(id, result, error);
        }
        finally
        {
            queue.Forget(id);
        }
    }

    private async Task<string> ExecuteAsync(int id, string scenarioJson, string kind, string? optionsJson, CancellationToken ct)
    {
        var scenario = ScenarioParser.Parse(scenarioJson, PlanningService.NoFilesDirectory);
        if (kind == "capacity")
        {
            var request = optionsJson is null ? new CapacityRequest() : JsonSerializer.Deserialize<CapacityRequest>(optionsJson, OptionsJson) ?? new CapacityRequest();
            CapacityOptions costed;
            await using (var db = await contexts.CreateDbContextAsync(ct))
            {
                costed = await PlanningService.CostedOptionsAsync(db, scenario, request, ct);
            }

            var search = new CapacitySearch(new Simulator(time), time);
            var result = search.Find(scenario, costed, new CapacityProgressSink(queue, id), ct);
            return PlanJson.Serialize(result);
        }

        var simulation = new Simulator(time).Run(scenario, new SimulationProgressSink(queue, id), ct);
        return PlanJson.Serialize(simulation);
    }

    private async Task SaveProgressAsync(int id, double progress, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var run = await db.PlanRuns.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (run is not null && run.State == PlanRunStates.Running)
        {
            run.ReportProgress(progress);
            await db.SaveChangesAsync(ct);
        }
    }

    private async Task FinishAsync(int id, string? result, string? error)
    {
        // The end state is written even while the host stops, so a run is never left running.
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        var run = await db.PlanRuns.FirstOrDefaultAsync(r => r.Id == id, CancellationToken.None);
        if (run is null || run.State != PlanRunStates.Running)
        {
            return; // Cancelled meanwhile.
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (result is not null)
        {
            run.Complete(result, now);
        }
        else
        {
            run.Fail(error ?? "The run failed.", now);
        }

        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>Simulated time over the arrival window (the drain counts as its last percent).</summary>
    private sealed class SimulationProgressSink(PlanQueue queue, int id) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value) =>
            queue.SetProgress(id, value.DurationSeconds > 0 ? Math.Min(0.99, value.SimulatedSeconds / value.DurationSeconds) : 0);
    }

    /// <summary>
    /// A search runs an unknown number of probes (bracketing, then bisection: about 2·log2 of the answer); progress
    /// approaches 1 as probes accumulate and reaches it only when the run is done.
    /// </summary>
    private sealed class CapacityProgressSink(PlanQueue queue, int id) : IProgress<CapacityProgress>
    {
        public void Report(CapacityProgress value) => queue.SetProgress(id, Math.Min(0.95, 1 - Math.Exp(-value.Probe / 6.0)));
    }
}
