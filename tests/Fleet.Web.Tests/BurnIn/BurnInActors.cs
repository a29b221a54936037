using Fleet.Application.Common;

namespace Fleet.Web.Tests.BurnIn;

/// <summary>The technician who starts campaigns and the agent that claims and posts them, as the use cases see them.</summary>
internal static class BurnInActors
{
    public static readonly Actor Technician = new("Tess Technician", Roles.Technician);

    public static readonly Actor Agent = new("token:agent", Roles.Agent);
}
