using Fleet.Inference.Cpu;

namespace Fleet.Inference.Tests;

public class WorkerPoolTests
{
    [Fact]
    public void Run_ManyLoops_EachItemRunsExactlyOnce()
    {
        using var pool = new WorkerPool(3);
        for (var loop = 0; loop < 500; loop++)
        {
            var hits = new int[37];
            pool.Run(hits.Length, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Run_ItemThrows_RethrowsOnCallerAfterTheLoop()
    {
        using var pool = new WorkerPool(2);
        var done = 0;
        var ex = Assert.Throws<InvalidOperationException>(() => pool.Run(8, i =>
        {
            Interlocked.Increment(ref done);
            if (i == 5)
            {
                throw new InvalidOperationException("item 5");
            }
        }));
        Assert.Equal("item 5", ex.Message);
        Assert.Equal(8, done);

        // The pool is still usable afterwards.
        var sum = 0;
        pool.Run(4, i => Interlocked.Add(ref sum, i));
        Assert.Equal(6, sum);
    }
}
