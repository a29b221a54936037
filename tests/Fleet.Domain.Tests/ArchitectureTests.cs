using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Fleet.Domain.Tests;

/// <summary>
/// The rules between projects, read from <c>src/dependencies.json</c> (the picture in DESIGN.md, "Parts and their
/// direction", written once): every project reference is an allowed arrow and is used, no transitive closure reaches a
/// forbidden project or package, and every project in the repository is covered by the file.
/// </summary>
public class ArchitectureTests
{
    private static readonly string s_root = FindRoot();
    private static readonly Rules s_rules = Rules.Load(Path.Combine(s_root, "src", "dependencies.json"));

    public static TheoryData<string> Projects() => [.. s_rules.Projects.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void RulesFile_CoversEveryProjectUnderSrcAndMigrations()
    {
        var onDisk = new[] { "src", "migrations" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(s_root, d), "*.csproj", SearchOption.AllDirectories))
            .Where(p => !p.Contains("/obj/", StringComparison.Ordinal))
            .Select(p => Path.GetFileNameWithoutExtension(p))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(onDisk, s_rules.Projects.Keys.Order(StringComparer.Ordinal).ToList());
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void ProjectReferences_AreAllowedArrows(string project)
    {
        var (projects, _) = References(project);
        var allowed = s_rules.Projects[project].References;
        var stray = projects.Where(p => !allowed.Contains(p)).ToList();
        Assert.True(stray.Count == 0, $"{project} references {string.Join(", ", stray)}, which src/dependencies.json does not allow.");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void TransitiveClosure_ReachesNothingForbidden(string project)
    {
        var closure = Closure(project);
        var crossed = closure.Where(item => s_rules.Projects[project].Forbidden.Any(pattern => Matches(pattern, item))).Order(StringComparer.Ordinal).ToList();
        Assert.True(crossed.Count == 0, $"{project} reaches {string.Join(", ", crossed)} (directly or through its references), which src/dependencies.json forbids.");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void ProjectReferences_AreUsedInTheSource(string project)
    {
        var (projects, _) = References(project);
        // A namespace imported for the whole project (<Using Include="..."/>) counts as used, like a using directive.
        var globalUsings = XDocument.Load(Path.Combine(s_root, s_rules.Projects[project].Path, project + ".csproj"))
            .Descendants("Using").Select(e => "using " + e.Attribute("Include")?.Value + ";");
        var source = string.Join('\n', SourceFiles(s_rules.Projects[project].Path).Select(File.ReadAllText).Concat(globalUsings));
        var unused = projects.Where(reference => !Regex.IsMatch(source, $@"\b{Regex.Escape(reference)}\b")).ToList();
        Assert.True(unused.Count == 0, $"{project} references {string.Join(", ", unused)} but no source file uses its namespace.");
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Packages_AreTheOnesTheRulesRequire(string project)
    {
        var (_, packages) = References(project);
        var rule = s_rules.Projects[project];
        if (rule.Packages is { } exactly)
        {
            Assert.Equal(exactly.Order(StringComparer.Ordinal), packages.Order(StringComparer.Ordinal));
        }

        Assert.All(rule.RequiredPackages, p => Assert.Contains(p, packages));
    }

    [Fact]
    public void Server_ReadsWireContractsWithoutIlgpu()
    {
        foreach (var project in new[] { "Fleet.Data", "Fleet.Application", "Fleet.Web" })
        {
            var closure = Closure(project);
            Assert.DoesNotContain(closure, p => p is "Fleet.Gpu" or "Fleet.Inference" || p.StartsWith("ILGPU", StringComparison.Ordinal));
            Assert.Contains("Fleet.Domain", closure);
        }
    }

    [Theory]
    [InlineData("Fleet.Planning", "Fleet.Gpu")]
    [InlineData("Fleet.Application", "Fleet.Web")]
    [InlineData("Fleet.Data", "Fleet.Migrations.Sqlite")]
    [InlineData("Fleet.Data", "Npgsql.EntityFrameworkCore.PostgreSQL")]
    [InlineData("Fleet.Application", "ILGPU")]
    [InlineData("Fleet.Cli", "Fleet.Data")]
    public void Rules_ForbidTheArrowsDesignForbids(string from, string to)
    {
        // The file itself must say these, so that editing it to allow one is a visible change to a test, not a quiet one.
        Assert.Contains(s_rules.Projects[from].Forbidden, pattern => Matches(pattern, to));
        Assert.DoesNotContain(to, s_rules.Projects[from].References);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void ProductionTypes_AreNotNamedLikeTests(string project)
    {
        var named = SourceFiles(s_rules.Projects[project].Path)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"\b(?:class|record|struct|interface)\s+(\w+Tests?)\b").Select(m => $"{m.Groups[1].Value} ({Path.GetFileName(f)})"))
            .ToList();
        Assert.True(named.Count == 0, $"{project} declares {string.Join(", ", named)}: a production type named like a test reads as one and hides from test filters.");
    }

    [Theory]
    [InlineData("Fleet.Migrations.*", "Fleet.Migrations.Sqlite", true)]
    [InlineData("Npgsql*", "Npgsql.EntityFrameworkCore.PostgreSQL", true)]
    [InlineData("Fleet.Web", "Fleet.WebTools", false)]
    [InlineData("Fleet.Gpu", "Fleet.Gpu", true)]
    public void Matches_PrefixPatternsAndExactNames(string pattern, string name, bool expected) =>
        Assert.Equal(expected, Matches(pattern, name));

    private static bool Matches(string pattern, string name) =>
        pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : name == pattern;

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

    private static IEnumerable<string> SourceFiles(string relativePath) =>
        Directory.EnumerateFiles(Path.Combine(s_root, relativePath), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal));

    private static (HashSet<string> Projects, HashSet<string> Packages) References(string project)
    {
        var path = Path.Combine(s_root, s_rules.Projects[project].Path, project + ".csproj");
        var xml = XDocument.Load(path);
        var projects = xml.Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value)).ToHashSet();
        var packages = xml.Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value).ToHashSet();
        return (projects, packages);
    }

    /// <summary>The projects and packages a project reaches through its project references (packages as declared, not NuGet's graph).</summary>
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

    private sealed record ProjectRule(string Path, IReadOnlyList<string> References, IReadOnlyList<string> Forbidden, IReadOnlyList<string>? Packages, IReadOnlyList<string> RequiredPackages);

    private sealed record Rules(IReadOnlyDictionary<string, ProjectRule> Projects)
    {
        public static Rules Load(string file)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var projects = new Dictionary<string, ProjectRule>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.GetProperty("projects").EnumerateObject())
            {
                projects[p.Name] = new ProjectRule(
                    p.Value.GetProperty("path").GetString()!,
                    Strings(p.Value, "references") ?? [],
                    Strings(p.Value, "forbidden") ?? [],
                    Strings(p.Value, "packages"),
                    Strings(p.Value, "requiredPackages") ?? []);
            }

            return new Rules(projects);
        }

        private static List<string>? Strings(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) ? [.. v.EnumerateArray().Select(x => x.GetString()!)] : null;
    }
}
