using Fleet.Data;
using Microsoft.EntityFrameworkCore;

namespace Fleet.Data.Tests;

/// <summary>A newcomer finds an entity's mapping in one hop: in the file named after its feature, or after the entity.</summary>
public class ConfigurationFilesTests
{
    // The catalog's one entity is mapped beside the cards it describes.
    private static readonly Dictionary<string, string> s_featureFile = new(StringComparer.Ordinal) { ["Catalog"] = "Inventory" };

    [Fact]
    public void EntityConfigurations_EachInTheFileOfItsFeature()
    {
        var folder = Path.Combine(RepositoryRoot(), "src", "Fleet.Data", "Configurations");
        var sources = Directory.GetFiles(folder, "*.cs").ToDictionary(f => f, File.ReadAllText);
        var misplaced = new List<string>();
        foreach (var type in typeof(FleetDbContext).Assembly.GetTypes())
        {
            var entity = type.GetInterfaces()
                .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEntityTypeConfiguration<>))?.GetGenericArguments()[0];
            if (entity is null)
            {
                continue;
            }

            var area = entity.Namespace!.Split('.')[^1];
            area = s_featureFile.GetValueOrDefault(area, area);
            var file = Path.GetFileNameWithoutExtension(sources.Single(s => s.Value.Contains($"class {type.Name} ", StringComparison.Ordinal)).Key);
            if (file != $"{area}Configurations" && file != $"{entity.Name}Configuration")
            {
                misplaced.Add($"{type.Name} ({area}) in {file}.cs");
            }
        }

        Assert.Empty(misplaced);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Fleet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Fleet.sln not found above the test's folder.");
    }
}
