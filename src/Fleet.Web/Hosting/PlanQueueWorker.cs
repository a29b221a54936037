using Fleet.Application.Planning;

namespace Fleet.Web.Hosting;

/// <summary>Runs the plan queue in the background for the app's lifetime (one run at a time).</summary>
public sealed class PlanQueueWorker(PlanRunner runner, ILogger<PlanQueueWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await runner.RunAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may still be coming up (recovery runs first); try again shortly.
                logger.LogDebug(ex, "Plan queue worker failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }
}
