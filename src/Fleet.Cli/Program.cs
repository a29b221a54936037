using System.CommandLine;
using Fleet.Cli;
using Fleet.Cli.Agent;
using Fleet.Cli.Gpu;
using Fleet.Cli.Infer;
using Fleet.Cli.Plan;

var root = new RootCommand("fleet: GPU burn-in, benchmarks, inference profiling and capacity planning for the Fleet system of record.");
root.Subcommands.Add(GpuCommands.Create());
root.Subcommands.Add(InferCommands.Create());
root.Subcommands.Add(PlanCommands.Create());
root.Subcommands.Add(AgentCommand.Create());
return await CliRunner.RunAsync(root, args);
