using System.Globalization;

namespace Fleet.Cli.Agent;

/// <summary>What became of a spooled result: posted (the server has it), refused (moved to rejected/) or spooled (still waiting).</summary>
public sealed record Delivery(string Outcome, IReadOnlyList<string> RunIds, string? Problem);

/// <summary>Posts a spooled result until the server has it, backing off while it is unavailable; one definition for the agent and <c>--report</c>.</summary>
public sealed class ResultPoster(AgentClient client, ResultSpool spool, Action<string> log, TimeProvider time)
{
    /// <summary>
    /// Posts <paramref name="spooled"/>; retries while the server is unavailable, up to <paramref name="maxAttempts"/> (null: until
    /// <paramref name="ct"/> is cancelled). A result not delivered stays in the spool.
    /// </summary>
    public async Task<Delivery> DeliverAsync(SpooledResult spooled, Backoff backoff, int? maxAttempts, CancellationToken ct)
    {
        var json = spooled.ReadDocument();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = await client.PostResultAsync(spooled.Path, json, ct, spooled.AgentId).ConfigureAwait(false);
                if (outcome.Status == PostStatus.Stored)
                {
                    spool.MarkSent(spooled);
                    log($"run {spooled.RunId}: posted; the server stored run(s) {string.Join(", ", outcome.RunIds)}");
                    return new Delivery("posted", outcome.RunIds, null);
                }

                spool.MarkRejected(spooled, string.Create(CultureInfo.InvariantCulture, $"POST {spooled.Path}: {outcome.Problem}"));
                log($"run {spooled.RunId}: refused by the server ({outcome.Problem}); moved to {Path.Combine(spool.Directory, "rejected")}");
                return new Delivery("refused", [], outcome.Problem);
            }
            catch (ServerUnavailableException ex) when (maxAttempts is null || attempt < maxAttempts)
            {
                var wait = backoff.Next();
                log(string.Create(CultureInfo.InvariantCulture, $"run {spooled.RunId}: server unavailable ({ex.Message}); kept in the spool, retrying in {wait.TotalSeconds:F1} s"));
                await Task.Delay(wait, time, ct).ConfigureAwait(false);
            }
            catch (ServerUnavailableException ex)
            {
                log($"run {spooled.RunId}: server unavailable ({ex.Message}); kept in {spool.Directory} (`fleet agent` re-posts it)");
                return new Delivery("spooled", [], ex.Message);
            }
        }
    }
}
