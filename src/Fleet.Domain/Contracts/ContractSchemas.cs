namespace Fleet.Domain.Contracts;

/// <summary>The JSON Schemas (draft 2020-12) of the wire contracts the CLI and the server share, embedded in the domain.</summary>
public static class ContractSchemas
{
    /// <summary><c>fleet.burnin/v1</c>: <see cref="BurnIn.BurnInResult"/>.</summary>
    public static string BurnInResult() => BurnIn.BurnInJson.SchemaText();

    /// <summary><c>fleet.inference-profile/v1</c>: <see cref="Models.PerformanceProfile"/>.</summary>
    public static string InferenceProfile() => Read("Fleet.Domain.Contracts.Profiles.inference-profile.v1.schema.json");

    private static string Read(string name)
    {
        using var stream = typeof(ContractSchemas).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the schema resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
