using BenchmarkDotNet.Running;

namespace Fleet.Benchmarks;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project benchmarks/Fleet.Benchmarks -- --filter '*Name*'</c>.</summary>
public static class BenchmarkProgram
{
    public static int Main(string[] args)
    {
        // The inventory grid's shape sweep (Inventory/GridSweep.cs) is a harness of its own, not a BenchmarkDotNet suite.
        if (args is ["grid-sweep", ..])
        {
            return Inventory.GridSweep.RunAsync(args).GetAwaiter().GetResult();
        }

        if (args is ["bulk-move", ..])
        {
            return Inventory.BulkMoveTiming.RunAsync(args).GetAwaiter().GetResult();
        }

        if (args is ["search-sweep", ..])
        {
            return Search.SearchSweep.RunAsync(args).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
