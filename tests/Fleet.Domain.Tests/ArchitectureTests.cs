using System.Xml.Linq;

namespace Fleet.Domain.Tests;

/// <summary>The rules between projects (DESIGN.md "Parts and their direction"), read from the project files.</summary>
public class ArchitectureTests
{
    private static readonly string s_root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fleet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Fleet.sln not found above the test output.");
    }

    private static (HashSet<string> Projects, HashSet<string> Packages) References(string project)
    {
        var path = Directory.GetFiles(s_root, project + ".csproj", SearchOption.AllDirectories).Single(p => !p.Contains("/obj/"));
        var xml = XDocument.Load(path);
        var projects = xml.Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value)).ToHashSet();
        var packages = xml.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToHashSet();
        return (projects, packages);
    }

    private static readonly string[] s_providerPackages = ["Npgsql.EntityFrameworkCore.PostgreSQL", "Npgsql", "Microsoft.EntityFrameworkCore.Sqlite"];

    [Fact]
    public void Domain_ReferencesNothing()
    {
        var (projects, packages) = References("Fleet.Domain");
        Assert.Empty(projects);
        Assert.Empty(packages);
    }

    [Theory]
    [InlineData("Fleet.Gpu")]
    [InlineData("Fleet.Inference")]
    [InlineData("Fleet.Planning")]
    public void Engines_ReferenceNoDatabaseOrWebPackage(string engine)
    {
        var (projects, packages) = References(engine);
        Assert.DoesNotContain(packages, p => p.Contains("EntityFramework") || p.Contains("Npgsql") || p.Contains("AspNetCore") || p.Contains("MudBlazor"));
        Assert.DoesNotContain(projects, p => p is "Fleet.Data" or "Fleet.Application" or "Fleet.Web" or "Fleet.Cli" || p.StartsWith("Fleet.Migrations"));
        if (engine != "Fleet.Inference")
        {
            Assert.DoesNotContain("Fleet.Inference", projects);
        }
    }

    [Fact]
    public void Data_ReferencesNoProviderPackage()
    {
        var (_, packages) = References("Fleet.Data");
        Assert.Empty(packages.Intersect(s_providerPackages));
    }

    [Theory]
    [InlineData("Fleet.Migrations.Sqlite", "Microsoft.EntityFrameworkCore.Sqlite")]
    [InlineData("Fleet.Migrations.Postgres", "Npgsql.EntityFrameworkCore.PostgreSQL")]
    public void MigrationProjects_ReferenceDataAndTheirProvider(string project, string provider)
    {
        var (projects, packages) = References(project);
        Assert.Equal(["Fleet.Data"], projects);
        Assert.Contains(provider, packages);
    }

    [Fact]
    public void OnlyWebAndTests_ReferenceBothMigrationProjects()
    {
        foreach (var csproj in Directory.GetFiles(Path.Combine(s_root, "src"), "*.csproj", SearchOption.AllDirectories))
        {
            var name = Path.GetFileNameWithoutExtension(csproj);
            var (projects, _) = References(name);
            var both = projects.Contains("Fleet.Migrations.Sqlite") && projects.Contains("Fleet.Migrations.Postgres");
            Assert.True(!both || name == "Fleet.Web", $"{name} references both migration projects.");
        }
    }

    [Fact]
    public void Cli_TalksToServerOverHttpOnly()
    {
        var (projects, packages) = References("Fleet.Cli");
        Assert.DoesNotContain(projects, p => p is "Fleet.Data" or "Fleet.Application" or "Fleet.Web" || p.StartsWith("Fleet.Migrations"));
        Assert.DoesNotContain(packages, p => p.Contains("EntityFramework") || p.Contains("Npgsql"));
    }

    private static HashSet<string> Closure(string project)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([project]);
        while (stack.TryPop(out var next))
        {
            var (projects, packages) = References(next);
            foreach (var item in projects.Where(seen.Add))
            {
                stack.Push(item);
            }

            seen.UnionWith(packages);
        }

        return seen;
    }

    [Theory]
    [InlineData("Fleet.Data")]
    [InlineData("Fleet.Application")]
    [InlineData("Fleet.Web")]
    public void Server_ReadsWireContractsWithoutIlgpu(string project)
    {
        var closure = Closure(project);
        Assert.DoesNotContain(closure, p => p is "Fleet.Gpu" or "Fleet.Inference" || p.StartsWith("ILGPU", StringComparison.Ordinal));
        Assert.Contains("Fleet.Domain", closure);
    }
}
