using Fleet.Application.BurnIn;

namespace Fleet.Web.Hosting;

/// <summary>Puts burn-in jobs whose lease ran out back in the queue (or fails them after the last attempt), every few seconds.</summary>
public sealed class BurnInLeaseSweeper(IServiceScopeFactory scopes, BurnInOptions options, ILogger<BurnInLeaseSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.SweepSeconds)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var expired = await scope.ServiceProvider.GetRequiredService<ExpireBurnInLeases>().SweepAsync(stoppingToken);
                if (expired > 0)
                {
                    logger.LogInformation("{Count} burn-in job lease(s) ran out", expired);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may still be coming up; the next tick tries again.
                logger.LogDebug(ex, "Burn-in lease sweep failed");
            }
        }
    }
}
